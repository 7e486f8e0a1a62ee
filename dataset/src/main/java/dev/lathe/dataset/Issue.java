package dev.lathe.dataset;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * One problem found in a dataset file.
 *
 * @param severity error or warning (always {@code code.severity()})
 * @param code the stable code
 * @param line 1-based line number; 0 for an issue about the whole file
 * @param column 1-based byte column within the line, or null when not meaningful
 * @param path JSON path inside the line's object, e.g. {@code messages[2].weight}; null for the
 *     whole line
 * @param message what is wrong and how to fix it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Issue(
    Severity severity, IssueCode code, long line, Integer column, String path, String message) {

  /** Validates the fields. */
  public Issue {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(message, "message");
    if (severity != code.severity()) {
      throw new IllegalArgumentException("severity " + severity + " does not match code " + code);
    }
    if (line < 0) {
      throw new IllegalArgumentException("line must be >= 0, got " + line);
    }
  }

  /** An issue of {@code code} (with its severity) at a line and JSON path. */
  public static Issue at(IssueCode code, long line, String path, String message) {
    return new Issue(code.severity(), code, line, null, path, message);
  }

  /** Whether this is an error. */
  @JsonIgnore
  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** {@code line 3, messages[1].content: message} — for terminals and logs. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    s.append(severity.wireName()).append(' ').append(code.code()).append(": ");
    s.append(line == 0 ? "file" : "line " + line);
    if (column != null) {
      s.append(", column ").append(column);
    }
    if (path != null) {
      s.append(", ").append(path);
    }
    return s.append(": ").append(message).toString();
  }
}
