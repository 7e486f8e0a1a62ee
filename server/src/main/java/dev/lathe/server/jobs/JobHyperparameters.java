package dev.lathe.server.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.JsonBody;
import dev.lathe.server.http.Metadata;
import java.util.Iterator;

/**
 * A job request's method and hyperparameters ({@code method.supervised.hyperparameters}, the
 * deprecated top-level {@code hyperparameters}, or {@code method.dpo.hyperparameters} with {@code
 * beta}): each {@code "auto"} or a value in OpenAI's range, checked with a 400 naming the field;
 * and its {@code metadata}.
 */
final class JobHyperparameters {
  private JobHyperparameters() {}

  /** The request's {@code method.type}: {@code supervised} (also when omitted) or {@code dpo}. */
  static String methodType(JsonNode body) {
    if (!JsonBody.present(body, "method")) {
      return "supervised";
    }
    JsonNode method = body.get("method");
    if (!method.isObject() || !method.path("type").isTextual()) {
      throw ApiException.invalid(
          "Invalid 'method': expected an object with a 'type'.", "method.type");
    }
    String type = method.get("type").asText();
    if (!type.equals("supervised") && !type.equals("dpo")) {
      throw ApiException.invalid(
          "Fine-tuning method '"
              + type
              + "' is not supported by this server; use 'supervised' or 'dpo'.",
          "method.type");
    }
    return type;
  }

  /**
   * The method's hyperparameters, {@code "auto"} where not given: the three supervised ones, plus
   * {@code beta} for DPO.
   */
  static RequestedHyperparameters read(JsonNode body) {
    String type = methodType(body);
    boolean dpo = type.equals("dpo");
    JsonNode given = null;
    String where = "hyperparameters";
    JsonNode fromMethod = body.path("method").path(type).path("hyperparameters");
    if (!fromMethod.isMissingNode() && !fromMethod.isNull()) {
      given = fromMethod;
      where = "method." + type + ".hyperparameters";
    }
    if (given == null && !dpo && JsonBody.present(body, "hyperparameters")) {
      given = body.get("hyperparameters");
    }
    if (given != null && !given.isObject()) {
      throw ApiException.invalid("Invalid type for '" + where + "': expected an object.", where);
    }
    if (given != null) {
      for (Iterator<String> names = given.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!name.equals("batch_size")
            && !name.equals("learning_rate_multiplier")
            && !name.equals("n_epochs")
            && !(dpo && name.equals("beta"))) {
          throw ApiException.invalid(
              "Unknown hyperparameter '"
                  + name
                  + "'; expected batch_size,"
                  + " learning_rate_multiplier"
                  + (dpo ? ", n_epochs or beta." : " or n_epochs."),
              where + "." + name);
        }
      }
    }
    return new RequestedHyperparameters(
        integerOrAuto(given, "batch_size", 1, 256, where),
        positiveOrAuto(given, "learning_rate_multiplier", where),
        integerOrAuto(given, "n_epochs", 1, 50, where),
        dpo ? betaOrAuto(given, where) : null,
        dpo);
  }

  /** DPO's {@code beta}: {@code "auto"} (null) or a number in (0, 2]. */
  private static Double betaOrAuto(JsonNode given, String where) {
    JsonNode v = given == null ? null : given.get("beta");
    if (v == null || v.isNull() || (v.isTextual() && v.asText().equals("auto"))) {
      return null;
    }
    if (!v.isNumber() || !(v.asDouble() > 0 && v.asDouble() <= 2)) {
      throw ApiException.invalid(
          "Invalid 'beta': " + v + ". Expected 'auto' or a number greater than 0 and at most 2.",
          where + ".beta");
    }
    return v.asDouble();
  }

  private static Integer integerOrAuto(
      JsonNode given, String name, int min, int max, String where) {
    JsonNode v = given == null ? null : given.get(name);
    if (v == null || v.isNull() || (v.isTextual() && v.asText().equals("auto"))) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
      throw ApiException.invalid(
          "Invalid '"
              + name
              + "': "
              + v
              + ". Expected 'auto' or an integer between "
              + min
              + " and "
              + max
              + ".",
          where + "." + name);
    }
    return v.asInt();
  }

  private static Double positiveOrAuto(JsonNode given, String name, String where) {
    JsonNode v = given == null ? null : given.get(name);
    if (v == null || v.isNull() || (v.isTextual() && v.asText().equals("auto"))) {
      return null;
    }
    if (!v.isNumber() || !(v.asDouble() > 0) || Double.isInfinite(v.asDouble())) {
      throw ApiException.invalid(
          "Invalid '" + name + "': " + v + ". Expected 'auto' or a number greater than 0.",
          where + "." + name);
    }
    return v.asDouble();
  }

  /** {@code metadata} ({@link Metadata}'s limits) as an object, or a JSON null when absent. */
  static JsonNode metadata(JsonNode body, ObjectMapper json) {
    return Metadata.read(body, "metadata").<JsonNode>map(json::valueToTree).orElse(json.nullNode());
  }
}
