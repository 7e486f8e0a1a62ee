package dev.lathe.inference;

import dev.lathe.tokenizer.TextTokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A byte-level tokenizer for tests: one token per UTF-8 byte, plus BOS and EOS. Decoding replaces
 * incomplete characters with U+FFFD, as real byte-level tokenizers do.
 */
class ByteTokenizer implements TextTokenizer {
  static final int BOS = 256;
  static final int EOS = 257;
  static final int VOCABULARY = 258;

  @Override
  public int[] encode(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    int[] ids = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      ids[i] = bytes[i] & 0xFF;
    }
    return ids;
  }

  /** BOS followed by the bytes of {@code text}. */
  int[] prompt(String text) {
    int[] bytes = encode(text);
    int[] ids = new int[bytes.length + 1];
    ids[0] = BOS;
    System.arraycopy(bytes, 0, ids, 1, bytes.length);
    return ids;
  }

  @Override
  public String decode(int[] ids) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int id : ids) {
      if (id < 256) {
        out.write(id);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Override
  public int vocabularySize() {
    return VOCABULARY;
  }
}
