package dev.lathe.server.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.http.JsonBody;
import dev.lathe.server.http.Metadata;
import dev.lathe.server.http.Paging;
import dev.lathe.server.store.StoredCompletion;
import dev.lathe.server.store.StoredCompletions;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Stored chat completions in OpenAI's shapes: a request with {@code "store": true} (and optional
 * {@code metadata}) is kept by {@link #keeper}, then {@code GET /v1/chat/completions} lists them
 * (filters {@code model} and {@code metadata[key]=value}; {@code after}, {@code limit} 1-100
 * default 20, {@code order} default {@code asc}), {@code GET …/{id}} retrieves one, {@code GET
 * …/{id}/messages} pages its request messages (ids {@code <completion id>-<index>}), {@code POST
 * …/{id}} replaces its metadata (nothing else may be updated) and {@code DELETE …/{id}} deletes it.
 * Each project sees only its own: another project's id is a 404 like an unknown one.
 */
public final class StoredCompletionRoutes {
  private static final int DEFAULT_LIMIT = 20;
  private static final int MAX_LIMIT = 100;

  private final StoredCompletions store;
  private final ObjectMapper json;
  private final InstantSource clock;

  public StoredCompletionRoutes(StoredCompletions store, ObjectMapper json, InstantSource clock) {
    this.store = store;
    this.json = json;
    this.clock = clock;
  }

  public void register(Javalin app) {
    app.get("/v1/chat/completions", this::list);
    app.get("/v1/chat/completions/{id}", ctx -> ctx.json(completionObject(require(ctx))));
    app.get("/v1/chat/completions/{id}/messages", this::messages);
    app.post("/v1/chat/completions/{id}", this::update);
    app.delete("/v1/chat/completions/{id}", this::delete);
  }

  /** Keeps one answered chat completion, or does nothing when the request did not ask to. */
  @FunctionalInterface
  public interface Keeper {
    Keeper NONE = completion -> {};

    /** Stores {@code completion} (a whole {@code chat.completion} object) with the request. */
    void keep(ObjectNode completion);
  }

  /**
   * Reads the request's {@code store} and {@code metadata} (a 400 naming the field before anything
   * is generated) and returns what keeps the answer: nothing unless {@code store} is true.
   */
  public Keeper keeper(JsonNode body, Caller caller) {
    boolean keep = JsonBody.bool(body, "store", false);
    Map<String, String> metadata = Metadata.read(body, "metadata").orElse(Map.of());
    if (!keep) {
      return Keeper.NONE;
    }
    return completion ->
        store.insert(
            new StoredCompletion(
                completion.get("id").asText(),
                caller.project(),
                completion.get("model").asText(),
                clock.instant(),
                metadata,
                body.deepCopy(),
                completion));
  }

  /** The caller's stored completion {@code id}, or a 404 in OpenAI's envelope. */
  StoredCompletion require(String id, Caller caller) {
    return store.find(id, caller).orElseThrow(() -> ApiException.noSuch("ChatCompletion", id));
  }

  private StoredCompletion require(Context ctx) {
    return require(ctx.pathParam("id"), Caller.of(ctx));
  }

  private void list(Context ctx) {
    Caller caller = Caller.of(ctx);
    Map<String, String> metadata = new LinkedHashMap<>();
    ctx.queryParamMap()
        .forEach(
            (name, values) -> {
              if (name.startsWith("metadata[") && name.endsWith("]")) {
                String key = name.substring("metadata[".length(), name.length() - 1);
                metadata.put(
                    key, Metadata.checked("metadata", key, json.valueToTree(values.get(0))));
              }
            });
    StoredCompletions.Filter filter =
        new StoredCompletions.Filter(ctx.queryParam("model"), metadata, null, null);
    int limit = Paging.limit(ctx, DEFAULT_LIMIT, MAX_LIMIT);
    boolean ascending = Paging.ascending(ctx, true);
    StoredCompletion after = Paging.after(ctx, id -> store.find(id, caller), "ChatCompletion");
    List<StoredCompletion> page = store.list(caller, filter, ascending, after, limit + 1);
    ArrayNode data = json.createArrayNode();
    page.stream().limit(limit).forEach(c -> data.add(completionObject(c)));
    ctx.json(Paging.list(json, data, page.size() > limit));
  }

  private void messages(Context ctx) {
    StoredCompletion completion = require(ctx);
    JsonNode messages = completion.request().path("messages");
    int limit = Paging.limit(ctx, DEFAULT_LIMIT, MAX_LIMIT);
    boolean ascending = Paging.ascending(ctx, true);
    int from = ascending ? 0 : messages.size() - 1;
    String afterId = ctx.queryParam("after");
    if (afterId != null) {
      int after = messageIndex(completion.id(), afterId, messages.size());
      from = ascending ? after + 1 : after - 1;
    }
    ArrayNode data = json.createArrayNode();
    int i = from;
    while (i >= 0 && i < messages.size() && data.size() < limit) {
      data.add(messageObject(completion.id(), i, messages.get(i)));
      i += ascending ? 1 : -1;
    }
    ctx.json(Paging.list(json, data, i >= 0 && i < messages.size()));
  }

  /** The index of message {@code id} of completion {@code completionId}, or a 400 naming after. */
  private static int messageIndex(String completionId, String id, int count) {
    String prefix = completionId + "-";
    if (id.startsWith(prefix)) {
      try {
        int index = Integer.parseInt(id.substring(prefix.length()));
        if (index >= 0 && index < count && id.equals(prefix + index)) {
          return index;
        }
      } catch (NumberFormatException e) {
        // reported below
      }
    }
    throw ApiException.invalid(
        "Invalid 'after': '" + id + "' is not a message of " + completionId + ".", "after");
  }

  private void update(Context ctx) {
    StoredCompletion completion = require(ctx);
    JsonNode body = JsonBody.object(ctx, json);
    JsonBody.refuseUnknown(body, Set.of("metadata"));
    if (!body.has("metadata")) {
      throw ApiException.invalid("Missing required parameter: 'metadata'.", "metadata");
    }
    Map<String, String> metadata = Metadata.read(body, "metadata").orElse(Map.of());
    if (!store.updateMetadata(completion.id(), metadata)) {
      throw ApiException.noSuch("ChatCompletion", completion.id());
    }
    ctx.json(completionObject(completion.withMetadata(metadata)));
  }

  private void delete(Context ctx) {
    StoredCompletion completion = require(ctx);
    store.delete(completion.id());
    ObjectNode root = json.createObjectNode();
    root.put("object", "chat.completion.deleted");
    root.put("id", completion.id());
    root.put("deleted", true);
    ctx.json(root);
  }

  /** The stored answer with its current {@code metadata}. */
  private ObjectNode completionObject(StoredCompletion c) {
    ObjectNode o = c.response().deepCopy();
    o.set("metadata", json.valueToTree(c.metadata()));
    return o;
  }

  /**
   * A request message as OpenAI lists it: as sent, with its {@code id}; content given as parts is
   * also given as text, the parts in {@code content_parts}.
   */
  private ObjectNode messageObject(String completionId, int index, JsonNode message) {
    ObjectNode o = json.createObjectNode();
    o.put("id", completionId + "-" + index);
    o.setAll((ObjectNode) message.deepCopy());
    JsonNode content = message.get("content");
    if (content != null && content.isArray()) {
      StringBuilder text = new StringBuilder();
      content.forEach(part -> text.append(part.path("text").asText()));
      o.put("content", text.toString());
      o.set("content_parts", content);
    } else {
      o.putNull("content_parts");
    }
    return o;
  }
}
