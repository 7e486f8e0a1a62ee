package dev.lathe.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;

/**
 * The outcome of parsing one line as JSON: its tree, or the error Jackson reported. Parsing a line
 * depends on its bytes only, so it may run ahead on another thread while earlier lines are checked.
 */
record ParsedLine(JsonNode node, IOException error) {

  /** Parses {@code b[off, off+len)}; a runtime failure of the parser propagates. */
  static ParsedLine parse(ObjectReader json, byte[] b, int off, int len) {
    try {
      return new ParsedLine(json.readTree(b, off, len), null);
    } catch (IOException e) {
      return new ParsedLine(null, e);
    }
  }
}
