package dev.lathe.inference;

import java.util.List;

/**
 * Finds stop strings in streamed text, across token boundaries. Text is released as soon as it
 * cannot be the start of a stop string; a tail that could be is held back until the next delta
 * decides. When a stop string appears, the text before it is released and the stop string itself
 * and everything after it are dropped.
 */
final class StopMatcher {
  private final List<String> stops;
  private final StringBuilder pending = new StringBuilder();
  private boolean matched;

  StopMatcher(List<String> stops) {
    this.stops = List.copyOf(stops);
  }

  /** Appends {@code delta}; returns the text that can be released now. */
  String push(String delta) {
    if (matched) {
      throw new IllegalStateException("a stop string was already matched");
    }
    if (stops.isEmpty()) {
      return delta;
    }
    pending.append(delta);
    int earliest = -1;
    for (String stop : stops) {
      int at = pending.indexOf(stop);
      if (at >= 0 && (earliest < 0 || at < earliest)) {
        earliest = at;
      }
    }
    if (earliest >= 0) {
      matched = true;
      String released = pending.substring(0, earliest);
      pending.setLength(0);
      return released;
    }
    int hold = 0;
    for (String stop : stops) {
      hold = Math.max(hold, longestSuffixStarting(stop));
    }
    String released = pending.substring(0, pending.length() - hold);
    pending.delete(0, pending.length() - hold);
    return released;
  }

  /** Whether a stop string has been seen. */
  boolean matched() {
    return matched;
  }

  /** Releases the held tail: the text ended without completing a stop string. */
  String flush() {
    String released = pending.toString();
    pending.setLength(0);
    return released;
  }

  /** Length of the longest proper prefix of {@code stop} that {@code pending} ends with. */
  private int longestSuffixStarting(String stop) {
    for (int k = Math.min(stop.length() - 1, pending.length()); k > 0; k--) {
      if (endsWith(stop, k)) {
        return k;
      }
    }
    return 0;
  }

  private boolean endsWith(String stop, int k) {
    int start = pending.length() - k;
    for (int i = 0; i < k; i++) {
      if (pending.charAt(start + i) != stop.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
