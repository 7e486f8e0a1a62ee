package dev.lathe.objectstore;

import java.util.regex.Pattern;

/** The rule every object key follows. */
public final class Keys {
  private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:+=-]*");

  private Keys() {}

  /**
   * {@code key} when it is relative, {@code /}-separated, each segment starting with a letter or a
   * digit (so no {@code .}, {@code ..} or hidden names) and made of letters, digits and {@code
   * ._:+=-}; otherwise an {@link IllegalArgumentException}.
   */
  public static String require(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("an object key must not be empty");
    }
    for (String segment : key.split("/", -1)) {
      if (!SEGMENT.matcher(segment).matches()) {
        throw new IllegalArgumentException(
            "not an object key: `" + key + "` (segment `" + segment + "`)");
      }
    }
    return key;
  }
}
