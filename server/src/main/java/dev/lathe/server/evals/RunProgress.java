package dev.lathe.server.evals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a run's finished items add up to, in OpenAI's three shapes: {@code result_counts} (total,
 * passed, failed, errored items), {@code per_testing_criteria_results} (each criterion's passed and
 * failed items) and {@code per_model_usage} (the sampled model's and each judge's calls and
 * tokens). Immutable: {@link #plus} gives the progress after one more item.
 */
public record RunProgress(
    long total,
    long passed,
    long failed,
    long errored,
    Map<String, long[]> perCriterion,
    Map<String, long[]> perModel) {

  /** Nothing done yet, with every criterion at zero (so a run shows them from the start). */
  public static RunProgress start(Iterable<String> criteria) {
    Map<String, long[]> per = new LinkedHashMap<>();
    criteria.forEach(name -> per.put(name, new long[2]));
    return new RunProgress(0, 0, 0, 0, per, Map.of());
  }

  /** Passed and failed counts per criterion name; one item's pass or fail. */
  public record ItemOutcome(String status, Map<String, Boolean> criteria) {}

  /**
   * The progress with one more item: its status ({@code pass}, {@code fail}, {@code error}), each
   * criterion's verdict, and the tokens it used per model ({@code [invocations, prompt,
   * completion]}).
   */
  public RunProgress plus(ItemOutcome outcome, Map<String, long[]> usage) {
    Map<String, long[]> criteria = new LinkedHashMap<>();
    perCriterion.forEach((k, v) -> criteria.put(k, v.clone()));
    outcome
        .criteria()
        .forEach((name, ok) -> criteria.computeIfAbsent(name, k -> new long[2])[ok ? 0 : 1]++);
    Map<String, long[]> models = new LinkedHashMap<>();
    perModel.forEach((k, v) -> models.put(k, v.clone()));
    usage.forEach(
        (model, u) -> {
          long[] sum = models.computeIfAbsent(model, k -> new long[3]);
          for (int i = 0; i < 3; i++) {
            sum[i] += u[i];
          }
        });
    return new RunProgress(
        total + 1,
        passed + (outcome.status().equals("pass") ? 1 : 0),
        failed + (outcome.status().equals("fail") ? 1 : 0),
        errored + (outcome.status().equals("error") ? 1 : 0),
        criteria,
        models);
  }

  public ObjectNode resultCounts(ObjectMapper json) {
    ObjectNode o = json.createObjectNode();
    o.put("total", total);
    o.put("errored", errored);
    o.put("failed", failed);
    o.put("passed", passed);
    return o;
  }

  public ArrayNode perCriterion(ObjectMapper json) {
    ArrayNode a = json.createArrayNode();
    perCriterion.forEach(
        (name, v) ->
            a.addObject().put("testing_criteria", name).put("passed", v[0]).put("failed", v[1]));
    return a;
  }

  public ArrayNode perModelUsage(ObjectMapper json) {
    ArrayNode a = json.createArrayNode();
    perModel.forEach(
        (name, v) ->
            a.addObject()
                .put("model_name", name)
                .put("invocation_count", v[0])
                .put("prompt_tokens", v[1])
                .put("completion_tokens", v[2])
                .put("total_tokens", v[1] + v[2])
                .put("cached_tokens", 0));
    return a;
  }

  /** The progress the three stored shapes describe. */
  static RunProgress read(JsonNode counts, JsonNode perCriterion, JsonNode perModel) {
    Map<String, long[]> criteria = new LinkedHashMap<>();
    for (JsonNode c : perCriterion) {
      criteria.put(
          c.get("testing_criteria").asText(),
          new long[] {c.get("passed").asLong(), c.get("failed").asLong()});
    }
    Map<String, long[]> models = new LinkedHashMap<>();
    for (JsonNode m : perModel) {
      models.put(
          m.get("model_name").asText(),
          new long[] {
            m.get("invocation_count").asLong(),
            m.get("prompt_tokens").asLong(),
            m.get("completion_tokens").asLong()
          });
    }
    return new RunProgress(
        counts.get("total").asLong(),
        counts.get("passed").asLong(),
        counts.get("failed").asLong(),
        counts.get("errored").asLong(),
        criteria,
        models);
  }
}
