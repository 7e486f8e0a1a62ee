package dev.lathe.cli.client;

import java.time.Duration;
import java.time.Instant;

/** How the client commands write times and durations. */
final class Times {
  private Times() {}

  /** Unix seconds as an ISO instant in UTC, e.g. {@code 2026-05-01T12:00:00Z}. */
  static String instant(long epochSeconds) {
    return Instant.ofEpochSecond(epochSeconds).toString();
  }

  /** A duration as {@code 1h02m03s}, {@code 2m03s} or {@code 3s}. */
  static String duration(Duration d) {
    long s = Math.max(0, d.toSeconds());
    if (s >= 3600) {
      return String.format("%dh%02dm%02ds", s / 3600, s / 60 % 60, s % 60);
    }
    if (s >= 60) {
      return String.format("%dm%02ds", s / 60, s % 60);
    }
    return s + "s";
  }
}
