package dev.lathe.dataset;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Per-token training prices of OpenAI models, read from a small JSON table. The built-in table
 * ({@code training-costs.json} beside this class) names its source and date; a user can pass their
 * own file with the same shape when prices change.
 *
 * <p>A fine-tuned {@code ft:BASE:…} model is priced as BASE. Models not in the table are either
 * local (priced 0 by {@link CostEstimate#local}) or have no known price ({@link #find} is empty).
 *
 * @param currency the currency of the prices, e.g. USD
 * @param asOf when the prices were read (YYYY-MM)
 * @param source where they come from
 * @param models one entry per priced model
 */
public record TrainingCostTable(String currency, String asOf, String source, List<Entry> models) {

  /** Validates and copies. */
  public TrainingCostTable {
    Objects.requireNonNull(currency, "currency");
    Objects.requireNonNull(source, "source");
    models = List.copyOf(models);
  }

  /**
   * One priced model.
   *
   * @param model the dated snapshot name
   * @param aliases other names that mean the same model for fine-tuning
   * @param usdPerMillionTokens the price per 1M billed training tokens
   */
  public record Entry(
      String model,
      List<String> aliases,
      @JsonProperty("usd_per_1m_training_tokens") double usdPerMillionTokens) {
    /** Validates and copies. */
    public Entry {
      Objects.requireNonNull(model, "model");
      aliases = aliases == null ? List.of() : List.copyOf(aliases);
      if (!(usdPerMillionTokens >= 0)) {
        throw new IllegalArgumentException(
            "price of " + model + " must be >= 0, got " + usdPerMillionTokens);
      }
    }
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  /** The table shipped with Lathe. */
  public static TrainingCostTable builtIn() {
    try (InputStream in = TrainingCostTable.class.getResourceAsStream("training-costs.json")) {
      if (in == null) {
        throw new IllegalStateException("training-costs.json is missing from the classpath");
      }
      return read(JSON.readTree(in));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the built-in training-costs.json", e);
    }
  }

  /** A table read from {@code file} (the shape of the built-in {@code training-costs.json}). */
  public static TrainingCostTable load(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(JSON.readTree(in));
    } catch (IllegalArgumentException e) {
      throw new IOException(
          "invalid price table " + file + ": " + e.getMessage() + " (see training-costs.json)", e);
    }
  }

  private static TrainingCostTable read(JsonNode root) throws IOException {
    List<Entry> entries = new ArrayList<>();
    for (JsonNode node : root.path("models")) {
      entries.add(JSON.treeToValue(node, Entry.class));
    }
    return new TrainingCostTable(
        root.path("currency").asText("USD"),
        root.path("as_of").asText(""),
        root.path("source").asText(""),
        entries);
  }

  /** The entry pricing {@code model} (an exact name, an alias, or {@code ft:} of either). */
  public Optional<Entry> find(String model) {
    String name = TrainingTokenLimits.baseModel(model);
    for (Entry entry : models) {
      if (entry.model().equals(name) || entry.aliases().contains(name)) {
        return Optional.of(entry);
      }
    }
    return Optional.empty();
  }

  /** The cost of {@code chargedTokens} on {@code model}, or empty when the table has no price. */
  public Optional<CostEstimate> estimate(String model, long chargedTokens) {
    return find(model)
        .map(
            entry ->
                CostEstimate.priced(
                    model,
                    entry.usdPerMillionTokens(),
                    chargedTokens,
                    "price of " + entry.model() + " per OpenAI's pricing as of " + asOf));
  }
}
