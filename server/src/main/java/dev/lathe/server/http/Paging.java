package dev.lathe.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.util.Optional;
import java.util.function.Function;

/** The {@code limit} and {@code order} query parameters of list endpoints, validated. */
public final class Paging {
  private Paging() {}

  /** {@code limit} in [1, max], {@code fallback} when absent. */
  public static int limit(Context ctx, int fallback, int max) {
    String raw = ctx.queryParam("limit");
    if (raw == null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw.strip());
      if (value >= 1 && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw ApiException.invalid(
        "Invalid 'limit': '" + raw + "'. Expected an integer between 1 and " + max + ".", "limit");
  }

  /** Whether {@code order} asks for ascending order; {@code desc} by default. */
  public static boolean ascending(Context ctx) {
    return ascending(ctx, false);
  }

  /** Whether {@code order} asks for ascending order; {@code fallback} when absent. */
  public static boolean ascending(Context ctx, boolean fallback) {
    String raw = ctx.queryParam("order");
    if (raw == null) {
      return fallback;
    }
    if (raw.equals("desc")) {
      return false;
    }
    if (raw.equals("asc")) {
      return true;
    }
    throw ApiException.invalid(
        "Invalid 'order': '" + raw + "'. Expected 'asc' or 'desc'.", "order");
  }

  /**
   * The object the {@code after} query parameter names, found by {@code find} among those the
   * caller sees; null when absent; a 400 naming {@code after} when there is no such {@code
   * objectType}.
   */
  public static <T> T after(Context ctx, Function<String, Optional<T>> find, String objectType) {
    String id = ctx.queryParam("after");
    if (id == null) {
      return null;
    }
    return find.apply(id)
        .orElseThrow(
            () ->
                ApiException.invalid(
                    "No such " + objectType + " object for 'after': " + id, "after"));
  }

  /**
   * OpenAI's list envelope around {@code data} (objects with an {@code id}): {@code object:
   * "list"}, {@code first_id}, {@code last_id}, {@code has_more}.
   */
  public static ObjectNode list(ObjectMapper json, ArrayNode data, boolean hasMore) {
    ObjectNode root = json.createObjectNode();
    root.put("object", "list");
    root.set("data", data);
    root.put("first_id", data.isEmpty() ? null : data.get(0).get("id").asText());
    root.put("last_id", data.isEmpty() ? null : data.get(data.size() - 1).get("id").asText());
    root.put("has_more", hasMore);
    return root;
  }
}
