package dev.lathe.dataset;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Renders a validation report with its statistics and estimates as one JSON document (snake_case
 * keys), for {@code lathe validate --json}:
 *
 * <pre>
 * {"file": …, "valid": true|false,
 *  "validation": {format, examples, valid_examples, lines, bytes, errors, warnings, codes: [...]},
 *  "model": …|null, "tokenizer": …, "limit_source": …,
 *  "statistics": {examples, …, tokens_per_example: {count, min, max, mean, median, p5, p95, q10,
 *                 q90, exact}, …},
 *  "estimate": {examples, epochs, max_tokens_per_example, billed_tokens_per_epoch, charged_tokens},
 *  "cost": {model, usd_per_million_tokens, charged_tokens, usd, basis} | null, "cost_note": …}
 * </pre>
 *
 * Nothing in it depends on the time or machine except {@code file}, which is the name as given.
 */
public final class ValidationReportJson {

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private ValidationReportJson() {}

  /** The document as a tree. */
  public static ObjectNode tree(
      String fileName, ValidationReport report, DatasetEstimate estimate) {
    ObjectNode root = JSON.createObjectNode();
    root.put("file", fileName);
    root.put("valid", !report.hasErrors());
    root.set("validation", JSON.valueToTree(report));
    if (estimate != null) {
      root.put("model", estimate.model());
      root.put("tokenizer", estimate.tokenizer());
      root.put("limit_source", estimate.limitSource());
      root.set("statistics", JSON.valueToTree(estimate.statistics()));
      root.set("estimate", JSON.valueToTree(estimate.estimate()));
      root.set("cost", estimate.cost() == null ? null : JSON.valueToTree(estimate.cost()));
      root.put("cost_note", estimate.costNote());
    }
    return root;
  }

  /** The document as indented JSON text. */
  public static String render(String fileName, ValidationReport report, DatasetEstimate estimate) {
    try {
      return JSON.writeValueAsString(tree(fileName, report, estimate));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot render the report as JSON", e);
    }
  }
}
