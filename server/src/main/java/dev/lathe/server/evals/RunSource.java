package dev.lathe.server.evals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.http.JsonBody;
import dev.lathe.server.http.Metadata;
import dev.lathe.server.store.StoredCompletion;
import dev.lathe.server.store.StoredCompletions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * A run's {@code data_source} read from {@code POST /v1/evals/{id}/runs}, and its data items
 * resolved once, at creation: inline {@code file_content}, an uploaded file ({@code file_id}, one
 * {@code {"item": …, "sample": …}} object per line) or the project's stored chat completions. Items
 * of a {@code custom} eval are checked against its item schema, naming the line and field of the
 * first one that does not fit. The items travel in the run's job, so a resumed run grades the same
 * data.
 *
 * @param shown the data source as the API shows it
 * @param model for {@code completions}, the model that answers each item; null for {@code jsonl}
 * @param rows each item as {@code {"item": …}} with its {@code "sample"} when the data had one
 */
record RunSource(ObjectNode shown, String model, ArrayNode rows) {

  /**
   * Where a {@code file_id} source's bytes are, for the caller (a 404 when it has no such file).
   */
  interface FileBytes {
    Path path(String fileId, Caller caller) throws IOException;
  }

  static RunSource read(
      JsonNode dataSource,
      JsonNode evalConfig,
      Caller caller,
      FileBytes files,
      StoredCompletions completions,
      BiPredicate<String, Caller> modelExists,
      ObjectMapper json) {
    String at = "data_source";
    if (dataSource == null || dataSource.isNull()) {
      throw ApiException.invalid("Missing required parameter: '" + at + "'.", at);
    }
    if (!dataSource.isObject()) {
      throw ApiException.invalid("Invalid type for '" + at + "': expected an object.", at);
    }
    String type = dataSource.path("type").asText("");
    ObjectNode shown = dataSource.deepCopy();
    String model = null;
    switch (type) {
      case "jsonl" -> EvalDefinition.refuse(dataSource, Set.of("type", "source"), at);
      case "completions" -> {
        EvalDefinition.refuse(
            dataSource, Set.of("type", "source", "input_messages", "model", "sampling_params"), at);
        model = JsonBody.requiredString(dataSource, "model");
        if (!modelExists.test(model, caller)) {
          throw ApiException.modelNotFound(model, at + ".model");
        }
        Sampling.read(dataSource.get("sampling_params"), at + ".sampling_params");
        InputMessages.check(dataSource.get("input_messages"), at + ".input_messages");
      }
      case "responses" ->
          throw ApiException.invalid(
              "Invalid '"
                  + at
                  + ".type': 'responses' runs are not supported by Lathe (it has no Responses"
                  + " API); use 'completions' or 'jsonl'.",
              at + ".type");
      default ->
          throw ApiException.invalid(
              "Invalid '"
                  + at
                  + ".type': expected 'jsonl' or 'completions', got "
                  + (type.isEmpty() ? "none" : "'" + type + "'")
                  + ".",
              at + ".type");
    }
    JsonNode itemSchema = EvalDefinition.itemSchema(evalConfig);
    Schema schema = itemSchema == null ? null : EvalDefinition.validator(itemSchema);
    ArrayNode rows =
        rows(
            dataSource.get("source"),
            at + ".source",
            type,
            schema,
            caller,
            files,
            completions,
            json);
    if (type.equals("jsonl")) {
      for (int i = 0; i < rows.size(); i++) {
        if (!rows.get(i).has("sample")) {
          throw ApiException.invalid(
              "Invalid '"
                  + at
                  + ".source': item "
                  + i
                  + " has no 'sample'. A jsonl run grades the samples in its data; to have a model"
                  + " answer each item, use a 'completions' data source.",
              at + ".source");
        }
      }
    }
    return new RunSource(shown, model, rows);
  }

  private static ArrayNode rows(
      JsonNode source,
      String at,
      String runType,
      Schema schema,
      Caller caller,
      FileBytes files,
      StoredCompletions completions,
      ObjectMapper json) {
    if (source == null || !source.isObject()) {
      throw ApiException.invalid("Missing required parameter: '" + at + "' (an object).", at);
    }
    String type = source.path("type").asText("");
    ArrayNode rows = json.createArrayNode();
    switch (type) {
      case "file_content" -> {
        EvalDefinition.refuse(source, Set.of("type", "content"), at);
        JsonNode content = source.get("content");
        if (content == null || !content.isArray() || content.isEmpty()) {
          throw ApiException.invalid(
              "Invalid '" + at + ".content': expected a non-empty array of {\"item\": {...}}.",
              at + ".content");
        }
        for (int i = 0; i < content.size(); i++) {
          String where = at + ".content[" + i + "]";
          rows.add(
              checked(
                  row(content.get(i), "'" + where + "'", where, json),
                  schema,
                  "'" + where + ".item'",
                  where + ".item"));
        }
      }
      case "file_id" -> {
        EvalDefinition.refuse(source, Set.of("type", "id"), at);
        String id = JsonBody.requiredString(source, "id");
        List<String> lines;
        try {
          lines = Files.readAllLines(files.path(id, caller), StandardCharsets.UTF_8);
        } catch (IOException e) {
          throw new IllegalStateException("cannot read the data of file " + id, e);
        }
        int n = 0;
        for (String line : lines) {
          n++;
          if (line.isBlank()) {
            continue;
          }
          JsonNode parsed;
          try {
            parsed = json.readTree(line);
          } catch (JsonProcessingException e) {
            throw ApiException.invalid(
                "File " + id + ", line " + n + ": not valid JSON (" + e.getOriginalMessage() + ").",
                at + ".id");
          }
          String where = "file " + id + ", line " + n;
          rows.add(checked(row(parsed, where, at + ".id", json), schema, where, at + ".id"));
        }
        if (rows.isEmpty()) {
          throw ApiException.invalid("File " + id + " holds no data items.", at + ".id");
        }
      }
      case "stored_completions" -> {
        if (!runType.equals("completions")) {
          throw ApiException.invalid(
              "Invalid '" + at + ".type': 'stored_completions' is a source of 'completions' runs.",
              at + ".type");
        }
        EvalDefinition.refuse(
            source,
            Set.of("type", "metadata", "model", "created_after", "created_before", "limit"),
            at);
        Map<String, String> metadata = Metadata.read(source, "metadata").orElse(Map.of());
        String model =
            JsonBody.present(source, "model") ? JsonBody.requiredString(source, "model") : null;
        int limit = JsonBody.integer(source, "limit", 10_000, 1, 10_000);
        long after = (long) JsonBody.number(source, "created_after", -1, 0, Long.MAX_VALUE);
        long before = (long) JsonBody.number(source, "created_before", -1, 0, Long.MAX_VALUE);
        StoredCompletions.Filter filter =
            new StoredCompletions.Filter(
                model,
                metadata,
                after < 0 ? null : Instant.ofEpochSecond(after),
                before < 0 ? null : Instant.ofEpochSecond(before));
        for (StoredCompletion c : completions.list(caller, filter, true, null, limit)) {
          ObjectNode row = rows.addObject();
          ObjectNode item = row.putObject("item");
          item.set("input", c.request().get("messages"));
          item.put("completion_id", c.id());
          item.set("metadata", json.valueToTree(c.metadata()));
        }
        if (rows.isEmpty()) {
          throw ApiException.invalid(
              "No stored chat completions match '" + at + "': nothing to evaluate.", at);
        }
      }
      default ->
          throw ApiException.invalid(
              "Invalid '"
                  + at
                  + ".type': expected 'file_content', 'file_id' or 'stored_completions', got "
                  + (type.isEmpty() ? "none" : "'" + type + "'")
                  + ".",
              at + ".type");
    }
    return rows;
  }

  /** One {@code {"item": {...}, "sample": {...}}} entry, checked. */
  private static ObjectNode row(JsonNode entry, String where, String param, ObjectMapper json) {
    if (!entry.isObject() || !entry.has("item") || !entry.get("item").isObject()) {
      throw ApiException.invalid(
          "Invalid data item at "
              + where
              + ": expected {\"item\": {...}} (an object under 'item').",
          param);
    }
    ObjectNode row = json.createObjectNode();
    row.set("item", entry.get("item"));
    if (entry.hasNonNull("sample")) {
      row.set("sample", entry.get("sample"));
    }
    return row;
  }

  /** The row, once its item fits the eval's item schema (when it has one). */
  private static ObjectNode checked(ObjectNode row, Schema schema, String where, String param) {
    if (schema == null) {
      return row;
    }
    List<Error> errors = schema.validate(row.get("item"));
    if (!errors.isEmpty()) {
      throw ApiException.invalid(
          "Data item at "
              + where
              + " does not match the eval's item_schema: "
              + errors.getFirst().getMessage()
              + " (at "
              + errors.getFirst().getInstanceLocation()
              + "). Fix the item or the schema.",
          param);
    }
    return row;
  }
}
