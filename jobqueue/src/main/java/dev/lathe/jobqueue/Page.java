package dev.lathe.jobqueue;

import java.util.List;

/**
 * One page of a cursor-paged list, as OpenAI pages: the next page is asked for with {@code after} =
 * the id of the last item of {@code data}.
 *
 * @param data the items, in the list's order
 * @param hasMore whether items follow the last one
 */
public record Page<T>(List<T> data, boolean hasMore) {

  public Page {
    data = List.copyOf(data);
  }

  /** The largest page a list in the store gives. */
  public static final int MAX_LIMIT = 10_000;

  /** Checks a page size the way every list in the store does. */
  static void checkLimit(int limit) {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and 10000, got " + limit);
    }
  }
}
