package dev.lathe.cli.client;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * A stream that reports how much of a file was read (sent) so far: a bar redrawn in place on a
 * terminal, or one line per tenth elsewhere (logs, pipes).
 */
final class UploadProgress extends FilterInputStream {
  /** Files from this size on get a progress bar. */
  static final long LARGE = 1L << 20;

  private static final int WIDTH = 30;

  private final String name;
  private final long total;
  private final PrintWriter err;
  private final boolean terminal;
  private long read;
  private int shown = -1;

  UploadProgress(InputStream in, String name, long total, PrintWriter err, boolean terminal) {
    super(in);
    this.name = name;
    this.total = Math.max(1, total);
    this.err = err;
    this.terminal = terminal;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0) {
      advance(1);
    }
    return b;
  }

  @Override
  public int read(byte[] buffer, int offset, int length) throws IOException {
    int n = super.read(buffer, offset, length);
    if (n > 0) {
      advance(n);
    }
    return n;
  }

  private void advance(long n) {
    read = Math.min(total, read + n);
    int percent = (int) (read * 100 / total);
    int step = terminal ? percent : percent / 10 * 10;
    if (step == shown) {
      return;
    }
    shown = step;
    int filled = percent * WIDTH / 100;
    String line =
        String.format(
            Locale.ROOT,
            "Uploading %s [%s%s] %3d%% %.1f/%.1f MB",
            name,
            "#".repeat(filled),
            " ".repeat(WIDTH - filled),
            percent,
            read / 1e6,
            total / 1e6);
    if (terminal) {
      err.print("\r" + line + (percent == 100 ? System.lineSeparator() : ""));
    } else {
      err.println(line);
    }
    err.flush();
  }
}
