package dev.lathe.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The longest training example (in tokens) that OpenAI trains on without truncating, per base
 * model. Longer examples are truncated from the end, not rejected.
 *
 * <p>Sources: OpenAI's fine-tuning guide (late 2024): gpt-4o-2024-08-06 and gpt-4o-mini-2024-07-18
 * train on 65,536 tokens per example, gpt-3.5-turbo-0125 and -1106 on 16,385, gpt-3.5-turbo-0613 on
 * 4,096. For every other model (gpt-4.1*, gpt-4-0613, babbage-002, davinci-002) no limit is
 * published: the cookbook's 16,385 applies, and {@link Limit#published()} says so.
 */
public final class TrainingTokenLimits {

  /** The cookbook's {@code MAX_TOKENS_PER_EXAMPLE} (it was 4,096 before mid-2024). */
  public static final int COOKBOOK_DEFAULT = 16_385;

  /** The cap of the 2023 guide and the old cookbook. */
  public static final int LEGACY_2023 = 4_096;

  private static final List<Limit> PUBLISHED =
      List.of(
          new Limit("gpt-4o-mini-2024-07-18", 65_536, true),
          new Limit("gpt-4o-2024-08-06", 65_536, true),
          new Limit("gpt-3.5-turbo-0125", 16_385, true),
          new Limit("gpt-3.5-turbo-1106", 16_385, true),
          new Limit("gpt-3.5-turbo-0613", 4_096, true));

  /** Aliases that point at a dated snapshot, as OpenAI resolves them for fine-tuning. */
  private static final List<List<String>> ALIASES =
      List.of(
          List.of("gpt-4o-mini", "gpt-4o-mini-2024-07-18"),
          List.of("gpt-4o", "gpt-4o-2024-08-06"),
          List.of("gpt-3.5-turbo", "gpt-3.5-turbo-0125"),
          List.of("gpt-35-turbo", "gpt-3.5-turbo-0125"));

  private TrainingTokenLimits() {}

  /**
   * A per-example training limit.
   *
   * @param model the model it applies to
   * @param maxTokens examples longer than this are truncated
   * @param published whether it is known for this model (OpenAI's published figure, or a local
   *     model's configured context); false when it is the cookbook default
   */
  public record Limit(String model, int maxTokens, boolean published) {
    /** Validates. */
    public Limit {
      if (maxTokens <= 0) {
        throw new IllegalArgumentException("maxTokens must be > 0, got " + maxTokens);
      }
    }
  }

  /**
   * The training limit of {@code model}: a fine-tuned {@code ft:BASE:…} name uses BASE's, an alias
   * its snapshot's; unknown models get {@link #COOKBOOK_DEFAULT}, marked as not published.
   */
  public static Limit forModel(String model) {
    String name = baseModel(model);
    for (List<String> alias : ALIASES) {
      if (alias.get(0).equals(name)) {
        name = alias.get(1);
      }
    }
    for (Limit limit : PUBLISHED) {
      if (limit.model().equals(name)) {
        return new Limit(model, limit.maxTokens(), true);
      }
    }
    return new Limit(model, COOKBOOK_DEFAULT, false);
  }

  /**
   * The training limit of a local Hugging Face model: its {@code config.json}'s {@code
   * max_position_embeddings} (Llama family) or {@code n_positions} (GPT-2), since Lathe cannot
   * train on a longer sequence; {@link #COOKBOOK_DEFAULT} (not published) when there is no
   * config.json beside the tokenizer or it names neither.
   *
   * @param modelPath the model directory, or a {@code tokenizer.json} inside it
   * @throws IOException when config.json exists but cannot be read as JSON
   */
  public static Limit forLocalModel(Path modelPath) throws IOException {
    Path dir = Files.isDirectory(modelPath) ? modelPath : modelPath.toAbsolutePath().getParent();
    Path config = dir == null ? null : dir.resolve("config.json");
    if (config != null && Files.isRegularFile(config)) {
      JsonNode root = new ObjectMapper().readTree(config.toFile());
      for (String key : List.of("max_position_embeddings", "n_positions")) {
        if (root.path(key).canConvertToInt() && root.path(key).asInt() > 0) {
          return new Limit(modelPath.toString(), root.path(key).asInt(), true);
        }
      }
    }
    return new Limit(modelPath.toString(), COOKBOOK_DEFAULT, false);
  }

  /** {@code ft:gpt-4o-mini-2024-07-18:org:suffix:id} → {@code gpt-4o-mini-2024-07-18}. */
  static String baseModel(String model) {
    String name = model.trim().toLowerCase(Locale.ROOT);
    if (name.startsWith("ft:")) {
      int end = name.indexOf(':', 3);
      name = end < 0 ? name.substring(3) : name.substring(3, end);
    }
    return name;
  }
}
