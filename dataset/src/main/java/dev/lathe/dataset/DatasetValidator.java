package dev.lathe.dataset;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Validates an OpenAI fine-tuning JSONL file in one streaming pass and reports every problem at
 * once, each with its line, JSON path, and how to fix it.
 *
 * <p>The file is never held whole: bytes are read into one buffer, split at {@code \n}, checked for
 * UTF-8 and parsed line by line. Memory depends on the longest line, the number of issues kept per
 * code and the duplicate table, not on the file's size.
 *
 * <pre>{@code
 * ValidationReport report =
 *     new DatasetValidator(ValidationOptions.defaults().withExpectedFormat(DatasetFormat.PREFERENCE))
 *         .validate(Path.of("train.jsonl"), statistics);
 * if (report.hasErrors()) report.issues().forEach(System.out::println);
 * }</pre>
 *
 * <p>Listeners get every line that parsed as a JSON object, in order, with the file's format (the
 * format of the first recognizable example; for lines before it, the line's own format, which is
 * null when the line matches no format). Listeners run on the calling thread; an exception from one
 * ends the pass and propagates. A validator is immutable and may be shared by threads.
 *
 * <p>With more than one thread, a reader thread splits the lines into chunks, worker threads parse
 * their JSON, and the calling thread checks the lines in file order with those parses: the report
 * and the order of listener calls are exactly those of the single-threaded pass.
 */
public final class DatasetValidator {
  private static final ObjectReader JSON =
      new ObjectMapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private static final int CHUNK_BYTES = 1 << 16;

  private final ValidationOptions options;
  private final int threads;
  private final int chunkBytes;

  /** A validator with {@link ValidationOptions#defaults()}. */
  public DatasetValidator() {
    this(ValidationOptions.defaults());
  }

  /** A validator with the given options, parsing on as many threads as there are processors. */
  public DatasetValidator(ValidationOptions options) {
    this(options, Runtime.getRuntime().availableProcessors());
  }

  /**
   * A validator with the given options that parses JSON on {@code threads} worker threads (1: all
   * on the calling thread). The report is the same for every thread count.
   */
  public DatasetValidator(ValidationOptions options, int threads) {
    this(options, threads, CHUNK_BYTES);
  }

  DatasetValidator(ValidationOptions options, int threads, int chunkBytes) {
    this.options = Objects.requireNonNull(options, "options");
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    if (chunkBytes < 1) {
      throw new IllegalArgumentException("chunkBytes must be >= 1, got " + chunkBytes);
    }
    this.threads = threads;
    this.chunkBytes = chunkBytes;
  }

  /** The options this validator applies. */
  public ValidationOptions options() {
    return options;
  }

  /** How many threads parse JSON (1: the calling thread alone). */
  public int threads() {
    return threads;
  }

  /** Validates the file at {@code file}, feeding its examples to {@code listeners}. */
  public ValidationReport validate(Path file, ExampleListener... listeners) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return validate(in, listeners);
    }
  }

  /**
   * Validates the bytes of {@code in} up to its end (an upload in progress, say); does not close
   * it.
   */
  public ValidationReport validate(InputStream in, ExampleListener... listeners)
      throws IOException {
    Objects.requireNonNull(in, "in");
    ValidationRun run = new ValidationRun(options, JSON, List.of(listeners));
    JsonlLineReader reader;
    if (threads == 1) {
      reader = new JsonlLineReader(options.maxLineBytes());
      reader.read(in, run);
    } else {
      reader =
          new ParallelValidation(JSON, threads, chunkBytes).read(in, run, options.maxLineBytes());
    }
    return run.finish(reader.byteOrderMark(), reader.lines(), reader.bytesRead());
  }
}
