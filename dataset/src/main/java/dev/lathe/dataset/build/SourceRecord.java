package dev.lathe.dataset.build;

import java.util.Map;
import java.util.Objects;

/**
 * One input record: a CSV row, a JSONL object, an HTML page or a text file, as named fields.
 *
 * @param origin where it came from, for messages: {@code places.csv line 12}, {@code pages/a.html}
 * @param fields the record's fields (strings, numbers, booleans, lists and maps), in source order
 */
public record SourceRecord(String origin, Map<String, Object> fields) {

  /** Checks the components. */
  public SourceRecord {
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(fields, "fields");
  }
}
