package dev.lathe.inference;

import dev.lathe.tokenizer.TextTokenizer;
import java.util.Arrays;

/**
 * Turns a stream of token ids into a stream of text deltas that never split a character.
 *
 * <p>A token may hold part of a multi-byte UTF-8 character (byte-fallback and byte-level
 * vocabularies do this), and some decoders change a token's text depending on its neighbours
 * (SentencePiece drops the leading space of the first token). So each delta is computed by decoding
 * a short window twice — the tokens already released plus the new ones, and the tokens already
 * released alone — and releasing the difference, unless it ends in U+FFFD (a character still
 * incomplete), in which case the new tokens wait for the next. The window starts with the last few
 * prompt tokens, so that the first generated token decodes as it would mid-text.
 */
final class IncrementalDecoder {
  /** Prompt tokens decoded before the first generated one, for context. */
  static final int CONTEXT_TOKENS = 5;

  /** A UTF-8 character spans at most 4 tokens; past this many, text is released regardless. */
  private static final int MAX_PENDING = 8;

  private static final char REPLACEMENT = '\uFFFD';

  private final TextTokenizer tokenizer;
  private int[] ids;
  private int length;
  private int prefixOffset; // window start: released tokens kept only for context
  private int readOffset; // tokens before this are released

  IncrementalDecoder(TextTokenizer tokenizer, int[] prompt) {
    this.tokenizer = tokenizer;
    int context = Math.min(CONTEXT_TOKENS, prompt.length);
    this.ids = new int[Math.max(64, context * 2)];
    System.arraycopy(prompt, prompt.length - context, ids, 0, context);
    this.length = context;
    this.prefixOffset = 0;
    this.readOffset = context;
  }

  /** Adds {@code token}; returns the text it completes (possibly empty, never null). */
  String push(int token) {
    if (length == ids.length) {
      ids = Arrays.copyOf(ids, ids.length * 2);
    }
    ids[length++] = token;
    String released = decode(prefixOffset, readOffset);
    String all = decode(prefixOffset, length);
    boolean complete = all.isEmpty() || all.charAt(all.length() - 1) != REPLACEMENT;
    if (all.length() > released.length() && (complete || length - readOffset > MAX_PENDING)) {
      prefixOffset = readOffset;
      readOffset = length;
      return all.substring(released.length());
    }
    return "";
  }

  /** Releases whatever is still held (an incomplete character decodes as U+FFFD). */
  String flush() {
    if (readOffset == length) {
      return "";
    }
    String released = decode(prefixOffset, readOffset);
    String all = decode(prefixOffset, length);
    prefixOffset = readOffset;
    readOffset = length;
    return all.length() > released.length() ? all.substring(released.length()) : "";
  }

  private String decode(int from, int to) {
    return from == to ? "" : tokenizer.decode(Arrays.copyOfRange(ids, from, to));
  }
}
