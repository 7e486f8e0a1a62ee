package dev.lathe.dataset;

import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One validation pass over several threads, with the report of the sequential pass. A reader thread
 * splits the stream into lines and copies them into chunks of about {@code chunkBytes}; {@code
 * threads} workers parse the JSON of each chunk's lines (the costly, context-free part); the
 * calling thread takes the chunks in file order and feeds every line, with its parse, to one {@link
 * ValidationRun}, which does all checks that depend on earlier lines (format, duplicates, open
 * values, issue limits) and calls the listeners. Hence the report is identical whatever the thread
 * count or chunk size.
 *
 * <p>Memory: at most {@code 2 * threads + 2} chunks are alive, each holding its lines' bytes and
 * trees; a chunk grows beyond {@code chunkBytes} only to hold one line (at most {@code
 * maxLineBytes}).
 */
final class ParallelValidation {
  private final ObjectReader json;
  private final int threads;
  private final int chunkBytes;

  ParallelValidation(ObjectReader json, int threads, int chunkBytes) {
    if (threads < 1 || chunkBytes < 1) {
      throw new IllegalArgumentException(
          "threads and chunkBytes must be >= 1, got " + threads + " and " + chunkBytes);
    }
    this.json = json;
    this.threads = threads;
    this.chunkBytes = chunkBytes;
  }

  /** Reads {@code in} to its end (does not close it), feeding {@code run}; returns the reader. */
  JsonlLineReader read(InputStream in, ValidationRun run, int maxLineBytes) throws IOException {
    ExecutorService parsers =
        Executors.newFixedThreadPool(
            threads, Thread.ofPlatform().daemon().name("validate-", 0).factory());
    BlockingQueue<Future<Chunk>> queue = new ArrayBlockingQueue<>(2 * threads);
    JsonlLineReader reader = new JsonlLineReader(maxLineBytes);
    Thread splitter =
        Thread.ofPlatform()
            .daemon()
            .name("validate-reader")
            .start(() -> split(in, reader, parsers, queue));
    try {
      while (true) {
        Chunk chunk = queue.take().get();
        if (chunk.failure != null) {
          throw chunk.failure;
        }
        if (chunk.end) {
          return reader;
        }
        chunk.feed(run);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("validation interrupted");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error r) {
        throw r;
      }
      throw new IOException(e.getCause());
    } finally {
      splitter.interrupt();
      parsers.shutdownNow();
    }
  }

  /** The reader thread: lines into chunks, each chunk parsed by the pool, in order on the queue. */
  private void split(
      InputStream in,
      JsonlLineReader reader,
      ExecutorService parsers,
      BlockingQueue<Future<Chunk>> queue) {
    Chunk last = new Chunk(0);
    try {
      Chunker chunker = new Chunker(parsers, queue);
      reader.read(in, chunker);
      chunker.flush();
      last.end = true;
    } catch (IOException e) {
      last.failure = e;
    } catch (UncheckedIOException e) {
      if (e.getCause() instanceof InterruptedIOException) {
        return; // the consumer stopped
      }
      last.failure = e.getCause();
    } catch (RuntimeException e) {
      last.failure = new IOException("reading the lines failed", e);
    }
    try {
      queue.put(CompletableFuture.completedFuture(last));
    } catch (InterruptedException e) {
      // the consumer stopped
    }
  }

  /** Collects lines into chunks and hands each full chunk to the parsers. */
  private final class Chunker implements JsonlLineReader.Sink {
    private final ExecutorService parsers;
    private final BlockingQueue<Future<Chunk>> queue;
    private Chunk chunk = new Chunk(chunkBytes);

    Chunker(ExecutorService parsers, BlockingQueue<Future<Chunk>> queue) {
      this.parsers = parsers;
      this.queue = queue;
    }

    @Override
    public void line(byte[] bytes, int off, int len, long lineNumber, boolean crlf) {
      if (chunk.used + len > chunk.bytes.length && chunk.count > 0) {
        flush();
      }
      if (len > chunk.bytes.length) {
        chunk = new Chunk(len);
      }
      chunk.addLine(bytes, off, len, lineNumber, crlf);
    }

    @Override
    public void lineTooLong(long lineNumber, long length) {
      chunk.addTooLong(lineNumber, length);
    }

    void flush() {
      if (chunk.count == 0) {
        return;
      }
      Chunk full = chunk;
      chunk = new Chunk(chunkBytes);
      try {
        queue.put(parsers.submit(() -> full.parse(json)));
      } catch (InterruptedException e) {
        throw new UncheckedIOException(new InterruptedIOException("validation stopped"));
      }
    }
  }

  /** Consecutive lines of the file, copied, with their parses once a worker has done them. */
  private static final class Chunk {
    final byte[] bytes;
    int used;
    int count;
    int[] offsets = new int[64];
    int[] lengths = new int[64]; // -1: a line that was too long
    long[] numbers = new long[64];
    long[] tooLong = new long[64]; // the length of a too-long line
    boolean[] crlf = new boolean[64];
    ParsedLine[] parsed;
    boolean end;
    IOException failure;

    Chunk(int capacity) {
      bytes = new byte[capacity];
    }

    void addLine(byte[] b, int off, int len, long number, boolean cr) {
      grow();
      System.arraycopy(b, off, bytes, used, len);
      offsets[count] = used;
      lengths[count] = len;
      numbers[count] = number;
      crlf[count] = cr;
      used += len;
      count++;
    }

    void addTooLong(long number, long length) {
      grow();
      lengths[count] = -1;
      numbers[count] = number;
      tooLong[count] = length;
      count++;
    }

    private void grow() {
      if (count == offsets.length) {
        int n = count * 2;
        offsets = Arrays.copyOf(offsets, n);
        lengths = Arrays.copyOf(lengths, n);
        numbers = Arrays.copyOf(numbers, n);
        tooLong = Arrays.copyOf(tooLong, n);
        crlf = Arrays.copyOf(crlf, n);
      }
    }

    /** Parses the lines that hold something (blank lines need no parse). */
    Chunk parse(ObjectReader json) {
      parsed = new ParsedLine[count];
      for (int i = 0; i < count; i++) {
        if (lengths[i] > 0 && JsonSyntax.firstNonSpace(bytes, offsets[i], lengths[i]) >= 0) {
          parsed[i] = ParsedLine.parse(json, bytes, offsets[i], lengths[i]);
        }
      }
      return this;
    }

    void feed(ValidationRun run) {
      for (int i = 0; i < count; i++) {
        if (lengths[i] < 0) {
          run.lineTooLong(numbers[i], tooLong[i]);
        } else {
          run.line(bytes, offsets[i], lengths[i], numbers[i], crlf[i], parsed[i]);
        }
      }
    }
  }
}
