package dev.lathe.dataset;

import java.io.IOException;
import java.io.InputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Splits a byte stream into lines at {@code \n} without decoding it, handing each line to a {@link
 * Sink} as a slice of one reused buffer. Memory is one buffer that grows only to the longest line
 * (at most {@code maxLineBytes}); a longer line is skipped and reported, never held.
 */
final class JsonlLineReader {

  /** Receives the lines of a stream, in order. */
  interface Sink {
    /**
     * A line without its {@code \n} (and without the {@code \r} before it, {@code crlf} then true).
     * The slice {@code bytes[off, off+len)} is valid only during the call.
     */
    void line(byte[] bytes, int off, int len, long lineNumber, boolean crlf);

    /** A line of {@code length} bytes (or more) that exceeded the limit and was skipped. */
    void lineTooLong(long lineNumber, long length);
  }

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final int INITIAL_BUFFER = 1 << 20;

  private final int maxLineBytes;
  private long bytesRead;
  private long lines;
  private boolean byteOrderMark;

  JsonlLineReader(int maxLineBytes) {
    this.maxLineBytes = maxLineBytes;
  }

  /** Reads {@code in} to its end (does not close it). */
  void read(InputStream in, Sink sink) throws IOException {
    byte[] buf = new byte[Math.min(INITIAL_BUFFER, maxLineBytes + 1)];
    int start = 0; // first byte of the current line
    int end = 0; // bytes filled
    int scan = 0; // bytes before this hold no '\n' of the current line
    boolean bomChecked = false;
    long skipping = -1; // >= 0: bytes of an over-long line skipped so far
    boolean eof = false;
    while (!eof) {
      int n = in.read(buf, end, buf.length - end);
      if (n < 0) {
        eof = true;
      } else {
        bytesRead += n;
        end += n;
      }
      if (!bomChecked) {
        if (end < 3 && !eof) {
          continue; // a byte-order mark needs three bytes
        }
        bomChecked = true;
        if (end >= 3 && buf[0] == (byte) 0xEF && buf[1] == (byte) 0xBB && buf[2] == (byte) 0xBF) {
          byteOrderMark = true;
          start = scan = 3;
        }
      }
      while (true) {
        int nl = indexOfNewline(buf, scan, end);
        if (nl < 0) {
          break;
        }
        if (skipping >= 0) {
          sink.lineTooLong(++lines, skipping + (nl - start));
          skipping = -1;
        } else {
          emit(sink, buf, start, nl);
        }
        start = scan = nl + 1;
      }
      scan = end;
      if (skipping >= 0) { // discard the rest of an over-long line
        skipping += end - start;
        start = end = scan = 0;
      } else if (end - start > maxLineBytes) {
        skipping = end - start;
        start = end = scan = 0;
      } else if (end == buf.length) {
        if (start > 0) { // move the partial line to the front
          System.arraycopy(buf, start, buf, 0, end - start);
          end -= start;
          scan -= start;
          start = 0;
        } else { // one line fills the buffer: grow, up to the limit
          byte[] bigger = new byte[(int) Math.min((long) buf.length * 2, maxLineBytes + 1L)];
          System.arraycopy(buf, 0, bigger, 0, end);
          buf = bigger;
        }
      }
    }
    if (skipping >= 0) {
      sink.lineTooLong(++lines, skipping + (end - start));
    } else if (end > start) { // a last line without '\n'
      emit(sink, buf, start, end);
    }
  }

  private void emit(Sink sink, byte[] buf, int start, int stop) {
    boolean crlf = stop > start && buf[stop - 1] == '\r';
    sink.line(buf, start, (crlf ? stop - 1 : stop) - start, ++lines, crlf);
  }

  /** The index of the first {@code \n} in {@code b[from, to)}, or -1; eight bytes at a time. */
  static int indexOfNewline(byte[] b, int from, int to) {
    int i = from;
    for (; i + 8 <= to; i += 8) {
      long x = (long) LONGS.get(b, i) ^ NEWLINES;
      long found = (x - ONES) & ~x & HIGHS;
      if (found != 0) {
        return i + (Long.numberOfTrailingZeros(found) >>> 3);
      }
    }
    for (; i < to; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  long bytesRead() {
    return bytesRead;
  }

  long lines() {
    return lines;
  }

  /** Whether the stream started with a UTF-8 byte-order mark (which was skipped). */
  boolean byteOrderMark() {
    return byteOrderMark;
  }
}
