package dev.lathe.server.preview;

import dev.lathe.finetune.ExampleRenderer;
import dev.lathe.finetune.Hyperparameters;
import dev.lathe.finetune.TrainingBase;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.jobs.JobError;
import dev.lathe.server.jobs.TrainableBases;
import dev.lathe.server.models.ModelRegistry;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.transformer.ModelConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@link ExampleRenderer} a fine-tuning job of a model renders its examples with (its own
 * tokenizer and chat template, or the plain template for models without one, cut to the model's
 * context as a job's are), for previews and estimates that must count exactly what a job trains.
 * Tokenizers are loaded once per model directory and kept (a few, least recently used first out).
 */
public final class ExampleRenderers {
  /** Model directories whose tokenizers stay loaded. */
  static final int KEPT = 8;

  /**
   * A model's renderer with its tokenizer (to decode tokens).
   *
   * @param base the configured base the model trains on
   * @param directory the model directory its tokenizer and config come from
   * @param contextLength the context a job cuts its examples to
   * @param blockWeights the model's transformer-block weights, which {@code auto} resolves from
   */
  record Rendering(
      ExampleRenderer renderer,
      HfTokenizer tokenizer,
      String base,
      Path directory,
      int contextLength,
      long blockWeights) {}

  private final ModelRegistry models;
  private final TrainableBases bases;
  private final Map<Path, Rendering> loaded = new LinkedHashMap<>(16, 0.75f, true);

  public ExampleRenderers(ModelRegistry models, TrainableBases bases) {
    this.models = models;
    this.bases = bases;
  }

  /**
   * The rendering of jobs on {@code model} for {@code caller}; a 400 naming {@code param} for a
   * model that does not exist for the caller (job creation's wording) or cannot be fine-tuned.
   */
  Rendering forModel(String model, Caller caller, String param) throws IOException {
    if (models.resolve(model, caller).isEmpty()) {
      throw ApiException.invalid(
          "Model " + model + " is not available for fine-tuning or does not exist.", param);
    }
    Path dir;
    try {
      dir = bases.renderingDirectory(model, caller.project());
    } catch (JobError.Failure e) {
      throw ApiException.invalid(e.getMessage(), param);
    }
    String base = bases.baseName(model, caller.project());
    synchronized (loaded) {
      Rendering known = loaded.get(dir);
      if (known != null) {
        return known;
      }
    }
    ModelConfig shape = TrainingBase.shape(dir);
    int context = shape.contextLength();
    HfTokenizer tokenizer = TrainingBase.tokenizer(dir);
    Rendering r =
        new Rendering(
            ExampleRenderer.forTokenizer(tokenizer, context),
            tokenizer,
            base,
            dir,
            context,
            Hyperparameters.blockWeights(shape));
    synchronized (loaded) {
      Rendering raced = loaded.putIfAbsent(dir, r);
      if (raced != null) {
        tokenizer.close();
        return raced;
      }
      if (loaded.size() > KEPT) {
        // dropped without closing: a request may still be using it; its memory goes with it
        loaded.remove(loaded.keySet().iterator().next());
      }
      return r;
    }
  }
}
