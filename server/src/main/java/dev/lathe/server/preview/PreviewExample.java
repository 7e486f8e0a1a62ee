package dev.lathe.server.preview;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.dataset.DatasetFormat;
import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.Issue;
import dev.lathe.dataset.ValidationOptions;
import dev.lathe.dataset.ValidationReport;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.store.StoredFile;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one example a masking preview shows, validated as training validates it: a line of an
 * uploaded file (1-based file line; by default the file's first valid example) checked in the
 * context of its whole file, or an example given inline checked on its own. An example that is not
 * valid is a 400 naming the line (or {@code example}) with the validator's first problem.
 *
 * @param line the 1-based line in the file, or null for an inline example
 * @param format the file's (or the inline example's) format
 * @param json the example
 */
record PreviewExample(Long line, DatasetFormat format, JsonNode json) {

  /** The example at {@code line} of {@code file} (null: the first valid example). */
  static PreviewExample ofLine(StoredFile fileInfo, Path file, Long line) throws IOException {
    PreviewExample[] found = new PreviewExample[1];
    boolean[] invalid = new boolean[1];
    DatasetFormat[] fileFormat = new DatasetFormat[1];
    ValidationReport report =
        new DatasetValidator(ValidationOptions.defaults(), 1)
            .validate(
                file,
                (at, format, json, valid) -> {
                  if (found[0] != null || invalid[0]) {
                    return;
                  }
                  if (line == null ? valid : at == line) {
                    found[0] = new PreviewExample(at, format, json);
                    invalid[0] = !valid;
                    fileFormat[0] = format;
                  }
                });
    if (found[0] == null) {
      if (line == null) {
        throw ApiException.invalid(
            "File " + fileInfo.id() + " has no valid example to preview.", "file_id");
      }
      if (line > report.lines()) {
        throw ApiException.invalid(
            "Invalid 'line': "
                + line
                + ". File "
                + fileInfo.id()
                + " has "
                + report.lines()
                + " lines.",
            "line");
      }
      String problem = problem(rawLine(file, line), report.format());
      throw ApiException.invalid(
          "Line "
              + line
              + " of "
              + fileInfo.id()
              + " is not an example: "
              + (problem != null ? problem : "it is blank or part of the example above it."),
          "line");
    }
    if (invalid[0]) {
      String problem =
          problem(found[0].json().toString().getBytes(StandardCharsets.UTF_8), fileFormat[0]);
      throw ApiException.invalid(
          "Line "
              + line
              + " of "
              + fileInfo.id()
              + " is not a valid example: "
              + (problem != null ? problem : "see the file's validation report."),
          "line");
    }
    return found[0];
  }

  /** An inline example, valid on its own. */
  static PreviewExample ofInline(JsonNode example, ObjectMapper json) throws IOException {
    byte[] text = json.writeValueAsBytes(example);
    ValidationReport report = validateOne(text, null);
    String problem = firstProblem(report);
    if (problem != null || report.format() == null) {
      throw ApiException.invalid(
          "Invalid 'example': " + (problem != null ? problem : "it matches no fine-tuning format."),
          "example");
    }
    return new PreviewExample(null, report.format(), example);
  }

  /**
   * The validator's first error for {@code line} on its own, as part of a file of {@code format}.
   */
  private static String problem(byte[] line, DatasetFormat format) throws IOException {
    return firstProblem(validateOne(line, format));
  }

  private static ValidationReport validateOne(byte[] line, DatasetFormat format)
      throws IOException {
    ValidationOptions d = ValidationOptions.defaults();
    ValidationOptions one = new ValidationOptions(format, 10, 0, 0, d.maxLineBytes(), 16);
    return new DatasetValidator(one, 1).validate(new ByteArrayInputStream(line));
  }

  private static String firstProblem(ValidationReport report) {
    return report.issues().stream()
        .filter(Issue::isError)
        .filter(i -> i.line() == 1)
        .findFirst()
        .map(i -> (i.path() == null ? "" : i.path() + ": ") + i.message())
        .orElse(null);
  }

  /** The bytes of line {@code line} (1-based) of {@code file}. */
  private static byte[] rawLine(Path file, long line) throws IOException {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8))) {
      String text = null;
      for (long i = 0; i < line; i++) {
        text = in.readLine();
        if (text == null) {
          return new byte[0];
        }
      }
      return text.getBytes(StandardCharsets.UTF_8);
    }
  }
}
