package dev.lathe.server.jobs;

import dev.lathe.finetune.ModelExport;
import dev.lathe.finetune.RunLayout;
import dev.lathe.finetune.TrainingBase;
import dev.lathe.inference.HubSettings;
import dev.lathe.inference.ModelSource;
import dev.lathe.server.http.Caller;
import dev.lathe.server.store.FineTunedModels;
import dev.lathe.server.store.StoreCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Hugging Face directory (or GGUF file, see {@link TrainingBase}) a job trains from, for its
 * {@code model}: a configured base name or an alias of one (a local directory, a {@code .gguf} file
 * or a Hub repo id, downloaded into the Hub cache on first use), or a fine-tuned {@code ft:} model
 * of the job's own project (continued fine-tuning, e.g. DPO after SFT). A llama2.c {@code .bin}
 * checkpoint cannot be the start of a job; that, an unknown model and another project's {@code ft:}
 * model fail the job with a {@code model} error.
 *
 * <p>Continuing from a fine-tune starts from its whole weights: a full fine-tune's merged directory
 * as it is; a LoRA fine-tune's adapter merged into a working copy of its base ({@code start/} in
 * the job's directory, written once and reused when the job resumes). The job then trains as any
 * other (new LoRA adapters over that start, or every weight), and for DPO the reference model is
 * that start (the SFT model) with the new adapters off. Because the new adapters belong to the
 * start and not to the configured base, the job's models are served as whole models: merged
 * directories (see {@link dev.lathe.server.training.JobModels}).
 */
public final class TrainableBases {

  /**
   * Where a job starts.
   *
   * @param name the configured base name (what {@code models} rows point at)
   * @param directory the Hugging Face model directory to train from
   * @param snapshot the base the job's model names begin with ({@code ft:SNAPSHOT:…}): the
   *     requested base or alias, or for a fine-tuned start the base its own name begins with
   * @param fineTuned whether the start is a fine-tuned model (its models must be served merged)
   */
  public record Base(String name, Path directory, String snapshot, boolean fineTuned) {}

  private final Map<String, String> sources;
  private final Map<String, String> aliases;
  private final FineTunedModels fineTunes;
  private final HubSettings hub;
  private final StoreCache stored;

  /** Fine-tuned models recorded as paths on this machine only. */
  public TrainableBases(
      Map<String, String> sources,
      Map<String, String> aliases,
      FineTunedModels fineTunes,
      HubSettings hub) {
    this(sources, aliases, fineTunes, hub, StoreCache.pathsOnly());
  }

  /** Fine-tuned models in {@code stored}'s object store are downloaded through its cache. */
  public TrainableBases(
      Map<String, String> sources,
      Map<String, String> aliases,
      FineTunedModels fineTunes,
      HubSettings hub,
      StoreCache stored) {
    this.sources = sources;
    this.aliases = aliases;
    this.fineTunes = fineTunes;
    this.hub = hub;
    this.stored = stored;
  }

  /**
   * The directory to train {@code requested} (a base, an alias or an {@code ft:} model of {@code
   * project}) from; a LoRA fine-tune is merged into the run's {@link RunLayout#start()}.
   */
  public Base resolve(String requested, String project, RunLayout run)
      throws JobError.Failure, IOException {
    if (requested.startsWith("ft:")) {
      return fineTuned(requested, project, run);
    }
    String name = aliases.getOrDefault(requested, requested);
    return new Base(name, configured(requested, name), requested, false);
  }

  /**
   * The directory whose tokenizer, chat template and {@code config.json} a job from {@code
   * requested} renders its examples with, prepared for nothing: a base's own directory, a full
   * fine-tune's, or a LoRA fine-tune's base (the merged start of such a job carries its base's
   * tokenizer files and config, see {@link ModelExport#writeMerged}).
   */
  public Path renderingDirectory(String requested, String project)
      throws JobError.Failure, IOException {
    if (!requested.startsWith("ft:")) {
      return configured(requested, aliases.getOrDefault(requested, requested));
    }
    FineTunedModels.Row row =
        fineTunes
            .find(requested, new Caller(project, false))
            .orElseThrow(
                () ->
                    new JobError.Failure(
                        "model_not_available",
                        "Model " + requested + " does not exist in this project.",
                        "model"));
    Path dir = stored.resolve(row.adapterDir());
    if (!Files.isRegularFile(dir.resolve("adapter_config.json"))
        && Files.isRegularFile(dir.resolve("config.json"))) {
      return dir;
    }
    return configured(row.baseModel(), row.baseModel());
  }

  /** The base name {@code requested} trains on (an alias resolved; an ft: model's base). */
  public String baseName(String requested, String project) {
    if (!requested.startsWith("ft:")) {
      return aliases.getOrDefault(requested, requested);
    }
    return fineTunes
        .find(requested, new Caller(project, false))
        .map(FineTunedModels.Row::baseModel)
        .orElse(requested);
  }

  private Path configured(String requested, String name) throws JobError.Failure, IOException {
    String source = sources.get(name);
    if (source == null) {
      throw new JobError.Failure(
          "model_not_available",
          "Model "
              + requested
              + " cannot be fine-tuned here: fine-tune a configured base model ("
              + String.join(", ", sources.keySet())
              + ") or one of your project's ft: models.",
          "model");
    }
    Path directory = ModelSource.localPath(source, hub);
    if (TrainingBase.isGguf(directory)) {
      try {
        TrainingBase.ggufTokenizer(directory);
      } catch (IllegalArgumentException e) {
        throw new JobError.Failure(
            "model_not_available",
            "Model " + requested + " cannot be fine-tuned: " + e.getMessage(),
            "model");
      }
      return directory;
    }
    if (!Files.isRegularFile(directory.resolve("config.json"))) {
      throw new JobError.Failure(
          "model_not_available",
          "Model "
              + requested
              + " ("
              + source
              + ") is not a Hugging Face model directory (config.json and safetensors weights) nor"
              + " a .gguf file; llama2.c checkpoints can be served but not fine-tuned. Configure an"
              + " HF directory, a .gguf file or a Hub repo id as the base to fine-tune.",
          "model");
    }
    return directory;
  }

  private Base fineTuned(String requested, String project, RunLayout run)
      throws JobError.Failure, IOException {
    FineTunedModels.Row row =
        fineTunes
            .find(requested, new Caller(project, false))
            .orElseThrow(
                () ->
                    new JobError.Failure(
                        "model_not_available",
                        "Model "
                            + requested
                            + " does not exist in this project (it was deleted, or belongs to"
                            + " another project); fine-tune a base model or one of your"
                            + " project's ft: models.",
                        "model"));
    Path baseDir = configured(row.baseModel(), row.baseModel());
    Path dir = stored.resolve(row.adapterDir());
    String snapshot = snapshotOf(requested, row.baseModel());
    if (Files.isRegularFile(dir.resolve("adapter_config.json"))) {
      Path start = run.start();
      if (!Files.isRegularFile(start.resolve("config.json"))) { // written whole or not at all
        ModelExport.writeMerged(start, baseDir, dir);
      }
      return new Base(row.baseModel(), start, snapshot, true);
    }
    if (Files.isRegularFile(dir.resolve("config.json"))) {
      return new Base(row.baseModel(), dir, snapshot, true);
    }
    throw new JobError.Failure(
        "model_not_available",
        "Model "
            + requested
            + " cannot be fine-tuned: its directory "
            + dir
            + " holds neither an adapter nor a model. Delete the model or restore its files.",
        "model");
  }

  /** {@code ft:SNAPSHOT:ORG:SUFFIX:ID[:ckpt-step-N]} gives SNAPSHOT; else the row's base. */
  public static String snapshotOf(String fineTuned, String base) {
    String[] parts = fineTuned.split(":");
    return parts.length >= 5 && !parts[1].isEmpty() ? parts[1] : base;
  }
}
