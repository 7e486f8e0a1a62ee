package dev.lathe.dataset;

import java.io.InputStream;
import java.util.Random;

/** Serves a byte array in reads of random small sizes, as a network upload would. */
final class ChunkedInputStream extends InputStream {
  private final byte[] data;
  private final Random random;
  private final int maxChunk;
  private int pos;

  ChunkedInputStream(byte[] data, Random random, int maxChunk) {
    this.data = data;
    this.random = random;
    this.maxChunk = maxChunk;
  }

  @Override
  public int read() {
    return pos < data.length ? data[pos++] & 0xFF : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) {
    if (len == 0) {
      return 0;
    }
    if (pos >= data.length) {
      return -1;
    }
    int n = Math.min(Math.min(len, 1 + random.nextInt(maxChunk)), data.length - pos);
    System.arraycopy(data, pos, b, off, n);
    pos += n;
    return n;
  }
}
