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
 */
public final class DatasetValidator {
  private static final ObjectReader JSON =
      new ObjectMapper().reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final ValidationOptions options;

  /** A validator with {@link ValidationOptions#defaults()}. */
  public DatasetValidator() {
    this(ValidationOptions.defaults());
  }

  /** A validator with the given options. */
  public DatasetValidator(ValidationOptions options) {
    this.options = Objects.requireNonNull(options, "options");
  }

  /** The options this validator applies. */
  public ValidationOptions options() {
    return options;
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
    JsonlLineReader reader = new JsonlLineReader(options.maxLineBytes());
    reader.read(in, run);
    return run.finish(reader.byteOrderMark(), reader.lines(), reader.bytesRead());
  }
}
