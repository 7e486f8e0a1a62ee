package dev.lathe.dataset;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How bad a dataset issue is: an error makes the file unusable for a job, a warning does not. */
public enum Severity {
  /** The file would be rejected by the fine-tuning API (or by Lathe's trainer). */
  ERROR,
  /** The file is accepted but probably not what the user meant. */
  WARNING;

  /** The lower-case wire name ({@code "error"}, {@code "warning"}). */
  @JsonValue
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
