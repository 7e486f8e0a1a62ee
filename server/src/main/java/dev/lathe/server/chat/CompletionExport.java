package dev.lathe.server.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.server.files.FileRoutes;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.http.JsonBody;
import dev.lathe.server.http.Metadata;
import dev.lathe.server.store.StoredCompletion;
import dev.lathe.server.store.StoredCompletions;
import dev.lathe.server.store.StoredFile;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code POST /v1/lathe/chat/completions/export}, Lathe's distillation step: the caller's project's
 * stored chat completions that match {@code model}, {@code metadata} and the time range {@code
 * created_after} (inclusive) to {@code created_before} (exclusive, Unix seconds), oldest first,
 * become one chat fine-tuning example each (the request's messages and the stored answer, its first
 * choice, with {@code tools}, {@code parallel_tool_calls} and assistant {@code tool_calls} when
 * present), written as a {@code fine-tune} File of that project, validated like an upload. Answers
 * {@code lathe.chat_completions_export}: the {@code file} object and how many {@code completions}
 * it holds. Nothing matching is a 400 and creates no file.
 */
public final class CompletionExport {
  static final Set<String> FIELDS =
      Set.of("model", "metadata", "created_after", "created_before", "filename");

  /** The exported file's name unless the request names one. */
  static final String DEFAULT_NAME = "distilled-chat-completions.jsonl";

  private static final int PAGE = 200;

  /** The message keys an example keeps (those the fine-tuning format has). */
  private static final Set<String> MESSAGE_KEYS = Set.of("name", "tool_calls", "tool_call_id");

  private final StoredCompletions store;
  private final FileRoutes files;
  private final ObjectMapper json;
  private final Path spool;

  public CompletionExport(
      StoredCompletions store, FileRoutes files, ObjectMapper json, Path spool) {
    this.store = store;
    this.files = files;
    this.json = json;
    this.spool = spool;
  }

  public void register(Javalin app) {
    app.post("/v1/lathe/chat/completions/export", this::export);
  }

  private void export(Context ctx) throws IOException {
    JsonNode body = JsonBody.object(ctx, json);
    JsonBody.refuseUnknown(body, FIELDS);
    String model = optionalString(body, "model");
    Map<String, String> metadata = Metadata.read(body, "metadata").orElse(Map.of());
    Instant after = seconds(body, "created_after");
    Instant before = seconds(body, "created_before");
    if (after != null && before != null && !after.isBefore(before)) {
      throw ApiException.invalid(
          "Invalid 'created_before': it must be later than 'created_after'.", "created_before");
    }
    String filename = optionalString(body, "filename");
    Caller caller = Caller.of(ctx);
    // only the caller's own project, an admin's too: the file is created in that project
    Caller own = new Caller(caller.project(), false);
    StoredCompletions.Filter filter = new StoredCompletions.Filter(model, metadata, after, before);
    Path temp = Files.createTempFile(spool, "export-", ".jsonl");
    try {
      int count = write(own, filter, temp);
      if (count == 0) {
        throw ApiException.invalid(
            "No stored chat completions of this project match the filter; create some with"
                + " \"store\": true first, or widen 'model', 'metadata' or the time range.",
            null);
      }
      StoredFile file;
      try (InputStream in = Files.newInputStream(temp)) {
        file = files.create(caller, filename == null ? DEFAULT_NAME : filename, "fine-tune", in);
      }
      ObjectNode root = json.createObjectNode();
      root.put("object", "lathe.chat_completions_export");
      root.set("file", files.fileObject(file));
      root.put("completions", count);
      ctx.json(root);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Writes one line per matching completion, oldest first; returns how many. */
  private int write(Caller caller, StoredCompletions.Filter filter, Path temp) throws IOException {
    int count = 0;
    try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
      StoredCompletion last = null;
      while (true) {
        List<StoredCompletion> page = store.list(caller, filter, true, last, PAGE);
        for (StoredCompletion c : page) {
          out.write(json.writeValueAsString(example(c)));
          out.write('\n');
          count++;
        }
        if (page.size() < PAGE) {
          return count;
        }
        last = page.get(page.size() - 1);
      }
    }
  }

  /** The fine-tuning example of one stored completion. */
  ObjectNode example(StoredCompletion c) {
    ObjectNode line = json.createObjectNode();
    ArrayNode messages = line.putArray("messages");
    for (JsonNode m : c.request().path("messages")) {
      ObjectNode message = messages.addObject();
      String role = m.path("role").asText();
      message.put("role", role);
      JsonNode content = m.get("content");
      if (content != null && content.isArray()) {
        StringBuilder text = new StringBuilder();
        content.forEach(part -> text.append(part.path("text").asText()));
        message.put("content", text.toString());
      } else if (content != null) {
        message.set("content", content);
      }
      m.fields()
          .forEachRemaining(
              e -> {
                if (MESSAGE_KEYS.contains(e.getKey()) && !e.getValue().isNull()) {
                  message.set(e.getKey(), e.getValue());
                }
              });
    }
    JsonNode answer = c.response().path("choices").path(0).path("message");
    ObjectNode assistant = messages.addObject();
    assistant.put("role", "assistant");
    if (answer.hasNonNull("content")) {
      assistant.set("content", answer.get("content"));
    }
    JsonNode calls = answer.get("tool_calls");
    if (calls != null && calls.isArray() && !calls.isEmpty()) {
      assistant.set("tool_calls", calls);
    }
    for (String key : List.of("tools", "parallel_tool_calls")) {
      if (c.request().hasNonNull(key)) {
        line.set(key, c.request().get(key));
      }
    }
    return line;
  }

  private static String optionalString(JsonNode body, String field) {
    return JsonBody.present(body, field) ? JsonBody.requiredString(body, field) : null;
  }

  /** An optional time in Unix seconds. */
  private static Instant seconds(JsonNode body, String field) {
    if (!JsonBody.present(body, field)) {
      return null;
    }
    JsonNode v = body.get(field);
    if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
      throw ApiException.invalid(
          "Invalid '"
              + field
              + "': expected a time in Unix seconds (an integer), but got "
              + v
              + ".",
          field);
    }
    return Instant.ofEpochSecond(v.asLong());
  }
}
