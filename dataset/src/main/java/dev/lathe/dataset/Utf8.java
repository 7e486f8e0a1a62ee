package dev.lathe.dataset;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Strict UTF-8 validation of byte slices (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
final class Utf8 {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long HIGHS = 0x8080808080808080L;

  private Utf8() {}

  /**
   * The offset (from {@code off}) of the first byte of the first invalid sequence in {@code b[off,
   * off+len)}, or -1 when the slice is valid UTF-8. ASCII runs are checked eight bytes at a time.
   */
  static int firstInvalid(byte[] b, int off, int len) {
    int i = off;
    int end = off + len;
    while (i < end) {
      if (i + 8 <= end && ((long) LONGS.get(b, i) & HIGHS) == 0) {
        i += 8;
        continue;
      }
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        i++;
        continue;
      }
      int need;
      int min;
      if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        min = 0x80;
      } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        min = 0x800;
      } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        min = 0x10000;
      } else {
        return i - off; // continuation byte first, C0/C1 overlong lead, or F5..FF
      }
      int cp = c & (0x3F >> need);
      for (int k = 1; k <= need; k++) {
        if (i + k >= end) {
          return i - off;
        }
        int cc = b[i + k] & 0xFF;
        if ((cc & 0xC0) != 0x80) {
          return i - off;
        }
        cp = (cp << 6) | (cc & 0x3F);
      }
      if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        return i - off;
      }
      i += need + 1;
    }
    return -1;
  }
}
