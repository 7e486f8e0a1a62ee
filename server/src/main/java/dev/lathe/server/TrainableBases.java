package dev.lathe.server;

import dev.lathe.inference.HubSettings;
import dev.lathe.inference.ModelSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Hugging Face directory to fine-tune for a job's {@code model}: a configured base name or an
 * alias of one, its source a local directory or a Hub repo id (downloaded into the Hub cache on
 * first use). A llama2.c {@code .bin} checkpoint or a fine-tuned {@code ft:} model cannot be the
 * start of a job; that fails the job with a {@code model} error saying what to use instead.
 */
final class TrainableBases {

  /**
   * A base ready for training.
   *
   * @param name the configured base name (what {@code models} rows point at)
   * @param directory its Hugging Face model directory
   */
  record Base(String name, Path directory) {}

  private final Map<String, String> sources;
  private final Map<String, String> aliases;
  private final HubSettings hub;

  TrainableBases(Map<String, String> sources, Map<String, String> aliases, HubSettings hub) {
    this.sources = sources;
    this.aliases = aliases;
    this.hub = hub;
  }

  /** The directory to train {@code requested} (a base or alias name) from. */
  Base resolve(String requested) throws JobErrors.Failure, IOException {
    String name = aliases.getOrDefault(requested, requested);
    String source = sources.get(name);
    if (source == null) {
      throw new JobErrors.Failure(
          "model_not_available",
          "Model "
              + requested
              + " cannot be fine-tuned here: fine-tune a configured base model ("
              + String.join(", ", sources.keySet())
              + "); continuing from a fine-tuned model is not supported.",
          "model");
    }
    Path directory = ModelSource.localPath(source, hub);
    if (!Files.isRegularFile(directory.resolve("config.json"))) {
      throw new JobErrors.Failure(
          "model_not_available",
          "Model "
              + requested
              + " ("
              + source
              + ") is not a Hugging Face model directory (config.json and safetensors weights);"
              + " llama2.c checkpoints can be served but not fine-tuned. Configure an HF directory"
              + " or Hub repo id as the base to fine-tune.",
          "model");
    }
    return new Base(name, directory);
  }
}
