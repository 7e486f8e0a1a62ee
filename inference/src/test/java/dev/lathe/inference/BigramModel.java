package dev.lathe.inference;

import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.LanguageModel;
import java.nio.charset.StandardCharsets;

/**
 * A real (if tiny) language model for tests: a byte-level bigram model estimated from a text with
 * add-alpha smoothing. Its logits are log P(next | last token). Token ids: bytes 0..255, then
 * {@link ByteTokenizer#BOS} and {@link ByteTokenizer#EOS}. It counts its forward calls so tests can
 * check the prefill/decode pattern.
 */
final class BigramModel implements LanguageModel {
  private final float[][] logProbabilities; // (V, V): [previous][next]
  private final int contextLength;
  int forwardCalls;
  int lastForwardCount;

  /** Estimates the bigrams of {@code corpus} (BOS before it, EOS after it). */
  BigramModel(String corpus, int contextLength) {
    int vocabulary = ByteTokenizer.VOCABULARY;
    byte[] bytes = corpus.getBytes(StandardCharsets.UTF_8);
    int[] sequence = new int[bytes.length + 2];
    sequence[0] = ByteTokenizer.BOS;
    for (int i = 0; i < bytes.length; i++) {
      sequence[i + 1] = bytes[i] & 0xFF;
    }
    sequence[bytes.length + 1] = ByteTokenizer.EOS;
    double[][] counts = new double[vocabulary][vocabulary];
    for (int i = 1; i < sequence.length; i++) {
      counts[sequence[i - 1]][sequence[i]]++;
    }
    double alpha = 0.01;
    logProbabilities = new float[vocabulary][vocabulary];
    for (int a = 0; a < vocabulary; a++) {
      double total = 0;
      for (int b = 0; b < vocabulary; b++) {
        total += counts[a][b] + alpha;
      }
      for (int b = 0; b < vocabulary; b++) {
        logProbabilities[a][b] = (float) Math.log((counts[a][b] + alpha) / total);
      }
    }
    this.contextLength = contextLength;
  }

  /** log P(next | previous). */
  float logProbability(int previous, int next) {
    return logProbabilities[previous][next];
  }

  @Override
  public int vocabularySize() {
    return ByteTokenizer.VOCABULARY;
  }

  @Override
  public int contextLength() {
    return contextLength;
  }

  @Override
  public KvCache newCache(int capacity) {
    if (capacity > contextLength) {
      throw new IllegalArgumentException("capacity " + capacity + " > context " + contextLength);
    }
    return new Cache(capacity);
  }

  @Override
  public void forward(int[] tokens, int offset, int count, KvCache cache, float[] logits) {
    Cache c = (Cache) cache;
    if (c.length + count > c.tokens.length) {
      throw new IllegalStateException("cache overflow: " + c.length + " + " + count);
    }
    System.arraycopy(tokens, offset, c.tokens, c.length, count);
    c.length += count;
    forwardCalls++;
    lastForwardCount = count;
    System.arraycopy(logProbabilities[tokens[offset + count - 1]], 0, logits, 0, vocabularySize());
  }

  /** The "keys and values" of a bigram model: the tokens seen. */
  private static final class Cache implements KvCache {
    final int[] tokens;
    int length;

    Cache(int capacity) {
      tokens = new int[capacity];
    }

    @Override
    public int length() {
      return length;
    }

    @Override
    public int capacity() {
      return tokens.length;
    }

    @Override
    public void truncate(int length) {
      this.length = Math.min(this.length, length);
    }
  }
}
