package dev.lathe.inference.json;

import dev.lathe.tokenizer.TextTokenizer;
import java.util.Arrays;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.stream.IntStream;

/**
 * What the mask needs to know about one tokenizer's vocabulary, built once per tokenizer and cached
 * (weakly, keyed by the tokenizer instance): each token's bytes ({@link TokenBytes}), a {@link
 * TokenTrie} of all usable tokens, and the split that makes free-form strings cheap.
 *
 * <p>A token is <em>plain text</em> when its bytes hold no quote, backslash or control character
 * and are well-formed UTF-8 from a character boundary (possibly stopping inside a character).
 * Inside a free-form string ready for text, such a token is allowed exactly when its length — plus
 * the bytes its last character still needs — fits the string's remaining budget; so the mask there
 * is one precomputed bitset ({@link #plainWithin}) plus a walk over the trie of the other tokens
 * only ({@link #special}), e.g. those that close the string.
 */
final class VocabularyIndex {
  private static final Map<TextTokenizer, VocabularyIndex> CACHE = new WeakHashMap<>();

  final int size; // tokens in the tokenizer
  final int words; // longs in a mask over them
  final byte[][] bytes; // (V) a token's bytes, null if it never appears in a document
  final TokenTrie all;
  final TokenTrie special; // tokens that are not plain text
  final long[][] plainWithin; // [n]: plain-text tokens needing at most n bytes
  final int[] singleByte; // (256) a token writing exactly that byte, or -1

  private VocabularyIndex(byte[][] tokenBytes) {
    size = tokenBytes.length;
    words = (size + 63) >>> 6;
    int[] single = new int[256];
    Arrays.fill(single, -1);
    for (int id = 0; id < size; id++) {
      byte[] b = tokenBytes[id];
      if (b != null && b.length == 1 && single[b[0] & 0xFF] < 0) {
        single[b[0] & 0xFF] = id;
      }
    }
    singleByte = single;
    boolean continuable = IntStream.rangeClosed(0x80, 0xBF).allMatch(b -> single[b] >= 0);
    int[] need = new int[size];
    int maxNeed = 0;
    for (int id = 0; id < size; id++) {
      if (!continuable && endsInsideCharacter(tokenBytes[id])) {
        tokenBytes[id] = null; // the vocabulary could not always finish its last character
      }
      need[id] = plainNeed(tokenBytes[id]);
      maxNeed = Math.max(maxNeed, need[id]);
    }
    bytes = tokenBytes;
    all = new TokenTrie(bytes, IntStream.range(0, size).toArray());
    special = new TokenTrie(bytes, IntStream.range(0, size).filter(id -> need[id] < 0).toArray());
    plainWithin = new long[maxNeed + 1][words];
    for (int id = 0; id < size; id++) {
      if (need[id] > 0) {
        plainWithin[need[id]][id >>> 6] |= 1L << id;
      }
    }
    for (int n = 1; n <= maxNeed; n++) { // cumulative: needing n bytes or fewer
      for (int w = 0; w < words; w++) {
        plainWithin[n][w] |= plainWithin[n - 1][w];
      }
    }
  }

  /** The index of {@code tokenizer}'s vocabulary, built on first use. */
  static VocabularyIndex of(TextTokenizer tokenizer) {
    synchronized (CACHE) {
      VocabularyIndex index = CACHE.get(tokenizer);
      if (index == null) {
        index = new VocabularyIndex(TokenBytes.of(tokenizer));
        CACHE.put(tokenizer, index);
      }
      return index;
    }
  }

  /** An index of explicit token bytes (tests). */
  static VocabularyIndex ofBytes(byte[][] tokenBytes) {
    return new VocabularyIndex(tokenBytes.clone());
  }

  /** The mask of plain-text tokens fitting {@code remaining} string bytes. */
  long[] plainFitting(int remaining) {
    return plainWithin[Math.min(remaining, plainWithin.length - 1)];
  }

  private static boolean endsInsideCharacter(byte[] b) {
    int state = Utf8.READY;
    for (int i = 0; b != null && i < b.length; i++) {
      state = Math.max(Utf8.READY, Utf8.next(state, b[i] & 0xFF));
    }
    return state != Utf8.READY;
  }

  /**
   * The bytes a plain-text token needs in a string (its length plus what its last character still
   * lacks), or -1 if it is not plain text (or unusable).
   */
  private static int plainNeed(byte[] b) {
    if (b == null) {
      return -1;
    }
    int state = Utf8.READY;
    for (byte x : b) {
      int v = x & 0xFF;
      if (v == '"' || v == '\\' || v < 0x20) {
        return -1;
      }
      state = Utf8.next(state, v);
      if (state == Utf8.REJECT) {
        return -1;
      }
    }
    return b.length + Utf8.pending(state);
  }
}
