package dev.lathe.transformer;

/**
 * Keys and values of the positions a {@link LanguageModel} has already seen. Created by {@link
 * LanguageModel#newCache(int)}; its layout is the model's own.
 */
public interface KvCache {

  /** Number of positions stored. */
  int length();

  /** Number of positions it can hold. */
  int capacity();

  /** Forgets every position from {@code length} on (e.g. to reuse a shared prompt prefix). */
  void truncate(int length);
}
