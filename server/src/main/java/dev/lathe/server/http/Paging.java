package dev.lathe.server.http;

import io.javalin.http.Context;

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
    String raw = ctx.queryParam("order");
    if (raw == null || raw.equals("desc")) {
      return false;
    }
    if (raw.equals("asc")) {
      return true;
    }
    throw ApiException.invalid(
        "Invalid 'order': '" + raw + "'. Expected 'asc' or 'desc'.", "order");
  }
}
