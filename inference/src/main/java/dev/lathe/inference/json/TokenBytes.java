package dev.lathe.inference.json;

import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.tokenizer.TextTokenizer;
import java.nio.charset.StandardCharsets;

/**
 * The bytes each token adds to the text when it follows other text, as the {@link
 * dev.lathe.inference.Generator} releases it: {@code decode(context + token)} minus {@code
 * decode(context)}, with one ordinary letter as context — so a SentencePiece {@code ▁} is the space
 * it is mid-text, even where a decoder strips it at the start.
 *
 * <p>A token holding part of a UTF-8 character (byte-level BPE such as GPT-2, Llama 3 and Qwen;
 * byte-fallback {@code <0xNN>} pieces) decodes to U+FFFD; its bytes come from its vocabulary entry
 * instead: GPT-2's byte-to-character alphabet or {@code <0xNN>}, or, for a tokenizer that exposes
 * no entries (llama2.c), the byte-fallback layout {@code <0x00>..<0xFF>} at ids 3..258 once
 * decoding confirms it. Special tokens (BOS, EOS, chat markers), ids without a token and tokens
 * that add no text get null: they never appear inside a document.
 */
final class TokenBytes {
  private TokenBytes() {}

  private static final char REPLACEMENT = '\uFFFD';
  private static final int BYTE_FALLBACK_FIRST_ID = 3;

  static byte[][] of(TextTokenizer tokenizer) {
    int n = tokenizer.vocabularySize();
    int[] context = tokenizer.encode("a");
    String before = tokenizer.decode(context);
    int[] ids = new int[context.length + 1];
    System.arraycopy(context, 0, ids, 0, context.length);
    HfTokenizer hf = tokenizer instanceof HfTokenizer h ? h : null;
    int[] byteLevel = byteLevelAlphabet();
    boolean byteFallbackLayout = hf == null && byteFallbackLayout(tokenizer, context, before);
    byte[][] bytes = new byte[n][];
    for (int id = 0; id < n; id++) {
      if (hf != null && (hf.isSpecial(id) || !hasEntry(hf, id))) {
        continue;
      }
      ids[context.length] = id;
      String text;
      try {
        text = tokenizer.decode(ids);
      } catch (IllegalArgumentException e) {
        continue; // an id with no token
      }
      String piece = text.startsWith(before) ? text.substring(before.length()) : text;
      if (piece.indexOf(REPLACEMENT) < 0) {
        bytes[id] = piece.isEmpty() ? null : piece.getBytes(StandardCharsets.UTF_8);
      } else if (hf != null) {
        bytes[id] = entryBytes(hf.token(id), byteLevel);
      } else if (byteFallbackLayout
          && id >= BYTE_FALLBACK_FIRST_ID
          && id < BYTE_FALLBACK_FIRST_ID + 256) {
        bytes[id] = new byte[] {(byte) (id - BYTE_FALLBACK_FIRST_ID)};
      }
    }
    return bytes;
  }

  private static boolean hasEntry(HfTokenizer hf, int id) {
    try {
      hf.token(id);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** The bytes of a vocabulary entry holding part of a character, or null if not decodable. */
  private static byte[] entryBytes(String entry, int[] byteLevel) {
    if (entry.length() == 6 && entry.startsWith("<0x") && entry.endsWith(">")) {
      int value = Integer.parseInt(entry.substring(3, 5), 16);
      return new byte[] {(byte) value};
    }
    byte[] out = new byte[entry.length()];
    for (int i = 0; i < entry.length(); i++) {
      char c = entry.charAt(i);
      int b = c < byteLevel.length ? byteLevel[c] : -1;
      if (b < 0) {
        return null;
      }
      out[i] = (byte) b;
    }
    return out;
  }

  /**
   * GPT-2's reversible map from bytes to printable characters, inverted: printable Latin-1
   * characters stand for themselves, the other 68 bytes for U+0100 onwards in byte order.
   */
  private static int[] byteLevelAlphabet() {
    int[] inverse = new int[0x200];
    java.util.Arrays.fill(inverse, -1);
    int next = 0x100;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      inverse[printable ? b : next++] = b;
    }
    return inverse;
  }

  /** Whether ids 3..258 decode as the bytes 0x00..0xFF (checked on the printable ones). */
  private static boolean byteFallbackLayout(TextTokenizer t, int[] context, String before) {
    if (t.vocabularySize() < BYTE_FALLBACK_FIRST_ID + 256) {
      return false;
    }
    int[] ids = new int[context.length + 1];
    System.arraycopy(context, 0, ids, 0, context.length);
    for (int b = 0x21; b < 0x7F; b++) {
      ids[context.length] = BYTE_FALLBACK_FIRST_ID + b;
      if (!t.decode(ids).equals(before + (char) b)) {
        return false;
      }
    }
    return true;
  }
}
