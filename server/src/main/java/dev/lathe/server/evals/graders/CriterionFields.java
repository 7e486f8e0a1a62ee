package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The fields of one testing criterion as its parser reads them: every read names the field's JSON
 * path in its error, and {@link #refuseOthers()} refuses, by name, any field no read asked for (a
 * field Lathe does not support is never silently ignored).
 */
final class CriterionFields {
  private final JsonNode node;
  private final String path;
  private final String what;
  private final Set<String> read = new LinkedHashSet<>();

  /** A testing criterion's fields. */
  CriterionFields(JsonNode node, String path) {
    this(node, path, null);
  }

  /**
   * The fields of an object inside a criterion; {@code what} names it in refusals ("a message",
   * "sampling_params").
   */
  CriterionFields(JsonNode node, String path, String what) {
    if (node == null || !node.isObject()) {
      throw new GraderSpecException(
          path,
          what == null
              ? "a testing criterion must be a JSON object with a \"type\" field, not " + kind(node)
              : "must be a JSON object (" + what + "), not " + kind(node));
    }
    this.node = node;
    this.path = path;
    this.what = what;
  }

  String path() {
    return path;
  }

  /** The path of field {@code name} of this criterion. */
  String pathOf(String name) {
    return path + "." + name;
  }

  boolean has(String name) {
    JsonNode v = node.get(name);
    return v != null && !v.isNull();
  }

  /** The raw value of a field, or null when absent or JSON null; marks it read. */
  JsonNode optional(String name) {
    read.add(name);
    JsonNode v = node.get(name);
    return v == null || v.isNull() ? null : v;
  }

  JsonNode required(String name, String what) {
    JsonNode v = optional(name);
    if (v == null) {
      throw new GraderSpecException(pathOf(name), "is required: give " + what);
    }
    return v;
  }

  String requiredString(String name, String what) {
    JsonNode v = required(name, what);
    if (!v.isTextual()) {
      throw new GraderSpecException(
          pathOf(name), "must be a string (" + what + "), not " + kind(v));
    }
    return v.asText();
  }

  String optionalString(String name, String what) {
    JsonNode v = optional(name);
    if (v != null && !v.isTextual()) {
      throw new GraderSpecException(
          pathOf(name), "must be a string (" + what + "), not " + kind(v));
    }
    return v == null ? null : v.asText();
  }

  /** A required string that is not blank. */
  String requiredText(String name, String what) {
    String s = requiredString(name, what);
    if (s.isBlank()) {
      throw new GraderSpecException(pathOf(name), "must not be empty: give " + what);
    }
    return s;
  }

  /** A required template string. */
  Template template(String name, String what) {
    return Template.parse(requiredString(name, what), pathOf(name));
  }

  /**
   * A required string that must be one of {@code values}' wire names ({@code wire}); an unknown one
   * is refused naming the field and listing them.
   */
  <E extends Enum<E>> E choice(
      String name, E[] values, java.util.function.Function<E, String> wire, String ofWhat) {
    String all =
        java.util.Arrays.stream(values)
            .map(wire)
            .collect(java.util.stream.Collectors.joining(", "));
    String given = requiredString(name, "one of " + all);
    for (E v : values) {
      if (wire.apply(v).equals(given)) {
        return v;
      }
    }
    throw new GraderSpecException(
        pathOf(name), "\"" + given + "\" is not " + ofWhat + "; use one of " + all);
  }

  double requiredNumber(String name, String what) {
    return number(required(name, what), pathOf(name), what);
  }

  Double optionalNumber(String name, String what) {
    JsonNode v = optional(name);
    return v == null ? null : number(v, pathOf(name), what);
  }

  static double number(JsonNode v, String path, String what) {
    if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
      throw new GraderSpecException(path, "must be a finite number (" + what + "), not " + kind(v));
    }
    return v.asDouble();
  }

  /** A required array of non-empty strings, without duplicates. */
  List<String> requiredStrings(String name, String what) {
    JsonNode v = required(name, what);
    if (!v.isArray() || v.isEmpty()) {
      throw new GraderSpecException(
          pathOf(name), "must be a non-empty array of strings (" + what + "), not " + kind(v));
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      String at = pathOf(name) + "[" + i + "]";
      if (!e.isTextual() || e.asText().isBlank()) {
        throw new GraderSpecException(at, "must be a non-empty string (" + what + ")");
      }
      if (out.contains(e.asText())) {
        throw new GraderSpecException(at, "repeats \"" + e.asText() + "\": list each one once");
      }
      out.add(e.asText());
    }
    return out;
  }

  /**
   * Refuses the first field no read asked for, naming it and listing the fields this type takes.
   */
  void refuseOthers() {
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!read.contains(n)) {
        throw new GraderSpecException(
            pathOf(n),
            "is not a field Lathe supports in "
                + (what != null ? what : "a " + node.path("type").asText() + " criterion")
                + "; remove it (the fields are: "
                + String.join(", ", read)
                + ")");
      }
    }
  }

  /** A short description of a JSON value's kind, for messages. */
  static String kind(JsonNode v) {
    if (v == null || v.isMissingNode()) {
      return "nothing";
    }
    return switch (v.getNodeType()) {
      case STRING -> "the string \"" + v.asText() + "\"";
      case NUMBER -> "the number " + v;
      case BOOLEAN -> "the boolean " + v;
      case NULL -> "null";
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      default -> v.getNodeType().toString().toLowerCase(java.util.Locale.ROOT);
    };
  }
}
