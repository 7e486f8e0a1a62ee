package dev.lathe.jobqueue;

/** Severity of a job event, with OpenAI's names. */
public enum EventLevel {
  INFO("info"),
  WARN("warn"),
  ERROR("error");

  private final String wireName;

  EventLevel(String wireName) {
    this.wireName = wireName;
  }

  /** The name on the wire and in the database. */
  public String wireName() {
    return wireName;
  }

  /** Parses a wire name. */
  public static EventLevel fromWire(String name) {
    for (EventLevel l : values()) {
      if (l.wireName.equals(name)) {
        return l;
      }
    }
    throw new IllegalArgumentException(
        "unknown event level '" + name + "': expected info, warn or error");
  }
}
