package dev.lathe.dataset.build;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/** A JSONL file: each non-blank line one JSON object, its keys the record's fields. */
final class JsonlRecords {

  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonlRecords() {}

  static void read(Path file, Consumer<SourceRecord> sink) throws IOException {
    objects(
        file,
        (where, object) -> {
          @SuppressWarnings("unchecked")
          Map<String, Object> fields = JSON.convertValue(object, LinkedHashMap.class);
          sink.accept(new SourceRecord(where, fields));
        });
  }

  /**
   * Each non-blank line of {@code file} as a JSON object, with its place ({@code file line N}); a
   * line that is not one object is refused with its line number.
   */
  static void objects(Path file, BiConsumer<String, ObjectNode> sink) throws IOException {
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      long number = 0;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        number++;
        if (line.isBlank()) {
          continue;
        }
        String where = file + " line " + number;
        JsonNode node;
        String why = "not an object";
        try {
          node = JSON.readTree(line);
        } catch (JacksonException e) {
          node = null;
          why = e.getOriginalMessage();
        }
        if (!(node instanceof ObjectNode object)) {
          throw new DatasetBuildException(
              where
                  + ": not one JSON object ("
                  + why
                  + "); each line must be one object such as {\"question\": \"...\"}.");
        }
        sink.accept(where, object);
      }
    }
  }
}
