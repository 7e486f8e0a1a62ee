package dev.lathe.dataset;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Receives every example of a file as validation streams through it, so statistics and token counts
 * are gathered in the same single pass.
 */
public interface ExampleListener {

  /**
   * Called once per line that parsed as a JSON object.
   *
   * @param line 1-based line number in the file
   * @param format the format detected for the file
   * @param example the parsed JSON object of that line
   * @param valid whether the example has no error (warnings allowed)
   */
  void onExample(long line, DatasetFormat format, JsonNode example, boolean valid);
}
