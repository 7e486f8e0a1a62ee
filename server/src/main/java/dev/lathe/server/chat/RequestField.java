package dev.lathe.server.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.JsonBody;
import java.util.List;
import java.util.function.Predicate;

/**
 * One request field of OpenAI's reference and what Lathe does with it.
 *
 * @param name the field's name in the request body
 * @param support whether Lathe implements it, accepts it without effect, leaves it to another part
 *     of the server, or refuses it
 * @param note what a user should know: the supported values, the difference from OpenAI, or what to
 *     do instead (the README's table shows it, a refusal's message ends with it)
 * @param check what a value of the field must be (the routes read the implemented fields themselves
 *     and check them as they do)
 */
public record RequestField(String name, Support support, String note, Check check) {

  /** How Lathe treats a field. */
  public enum Support {
    /** Read and honoured by the route. */
    IMPLEMENTED("implemented"),
    /** Checked and accepted, but it changes nothing on a Lathe server (the note says why). */
    ACCEPTED("accepted, no effect"),
    /** A 400 naming the field, saying what to do instead. */
    REFUSED("refused (400)");

    private final String label;

    Support(String label) {
      this.label = label;
    }

    /** The status column of the README's table. */
    public String label() {
      return label;
    }
  }

  /** Checks one given (non-null) value of a field. */
  @FunctionalInterface
  public interface Check {
    /** Nothing to check here: the route reads the field. */
    Check NONE = (field, value) -> {};

    /** Throws an {@link ApiException} naming the field when {@code value} is not acceptable. */
    void check(RequestField field, JsonNode value);
  }

  static RequestField implemented(String name, String note) {
    return new RequestField(name, Support.IMPLEMENTED, note, Check.NONE);
  }

  /** Accepted without effect when its value passes {@code check}. */
  static RequestField accepted(String name, String note, Check check) {
    return new RequestField(name, Support.ACCEPTED, note, check);
  }

  /** Always a 400. */
  static RequestField refused(String name, String note) {
    return new RequestField(name, Support.REFUSED, note, (field, value) -> field.refuse());
  }

  /**
   * A 400 unless the value is one that asks for nothing Lathe lacks ({@code harmless}: OpenAI's
   * default, e.g. {@code best_of: 1}).
   */
  static RequestField refusedUnless(String name, String note, Predicate<JsonNode> harmless) {
    return new RequestField(
        name,
        Support.REFUSED,
        note,
        (field, value) -> {
          if (!harmless.test(value)) {
            field.refuse();
          }
        });
  }

  /** The refusal: the field is unsupported, and what to do instead. */
  void refuse() {
    throw ApiException.invalid("'" + name + "' is not supported by Lathe: " + note, name);
  }

  /** A string of at most {@code max} characters. */
  static Check string(int max) {
    return (field, value) -> {
      if (!value.isTextual()) {
        throw ApiException.invalid(
            "Invalid type for '"
                + field.name()
                + "': expected a string, but got "
                + JsonBody.kind(value)
                + ".",
            field.name());
      }
      if (value.asText().length() > max) {
        throw ApiException.invalid(
            "Invalid '"
                + field.name()
                + "': string too long. Expected a string with maximum length "
                + max
                + ", but got a string with length "
                + value.asText().length()
                + " instead.",
            field.name());
      }
    };
  }

  /** One of {@code values}. */
  static Check oneOf(List<String> values) {
    return (field, value) -> {
      if (!value.isTextual() || !values.contains(value.asText())) {
        throw ApiException.invalid(
            "Invalid value for '"
                + field.name()
                + "': "
                + value
                + ". Lathe supports "
                + String.join(", ", values.stream().map(v -> "'" + v + "'").toList())
                + ".",
            field.name());
      }
    };
  }

  /** A JSON object (its content is not read). */
  static Check object() {
    return (field, value) -> {
      if (!value.isObject()) {
        throw ApiException.invalid(
            "Invalid type for '"
                + field.name()
                + "': expected an object, but got "
                + JsonBody.kind(value)
                + ".",
            field.name());
      }
    };
  }
}
