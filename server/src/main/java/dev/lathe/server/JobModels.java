package dev.lathe.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.jobqueue.Job;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;

/**
 * The models one fine-tuning job creates, named as OpenAI names them: {@code ft:BASE:ORG:SUFFIX:ID}
 * for the final model and {@code ft:BASE:ORG:SUFFIX:ID2:ckpt-step-N} for each epoch checkpoint
 * (another random id each), where BASE is the model the job asked for (an alias keeps its own
 * name), ORG the job's project and SUFFIX the user's suffix (empty when none, which gives {@code
 * ::}). Names are kept in {@link JobProgress} the first time they are made, so a resumed job reuses
 * them; rows go to the {@code models} table once each.
 */
final class JobModels {
  private final Job job;
  private final String requested;
  private final String base;
  private final String suffix;
  private final FineTunedModels rows;
  private final JobProgress progress;
  private final Ids ids;
  private final InstantSource clock;
  private final ObjectMapper json;

  /**
   * @param requested the job's {@code model} (base or alias name)
   * @param base the configured base name whose weights serve the models
   * @param suffix the user's suffix, or null
   */
  JobModels(
      Job job,
      String requested,
      String base,
      String suffix,
      FineTunedModels rows,
      JobProgress progress,
      Ids ids,
      InstantSource clock,
      ObjectMapper json) {
    this.job = job;
    this.requested = requested;
    this.base = base;
    this.suffix = suffix;
    this.rows = rows;
    this.progress = progress;
    this.ids = ids;
    this.clock = clock;
    this.json = json;
  }

  /** The final model's name, chosen on the first call and kept for every later attempt. */
  String finalName() {
    JsonNode known = progress.get(job.id()).get("model_name");
    if (known != null && known.isTextual()) {
      return known.asText();
    }
    String name = newName();
    ObjectNode fields = json.createObjectNode();
    fields.put("model_name", name);
    progress.merge(job.id(), fields);
    return name;
  }

  /**
   * Names (and registers, unless it is the last step, whose model is the final one) the checkpoint
   * of {@code step} written in {@code directory}.
   */
  String checkpoint(int step, int totalSteps, Path directory) {
    if (step == totalSteps) {
      return finalName();
    }
    JsonNode known = progress.get(job.id()).path(JobProgress.CHECKPOINT_MODELS).get("" + step);
    String name = known != null ? known.asText() : newName() + ":ckpt-step-" + step;
    register(name, servable(directory));
    return name;
  }

  /** Registers the final model, served from {@code directory} (adapter or merged weights). */
  String registerFinal(Path directory) {
    String name = finalName();
    register(name, directory);
    return name;
  }

  private void register(String name, Path directory) {
    rows.insertIfAbsent(
        new FineTunedModels.Row(
            name,
            job.project(),
            clock.instant().getEpochSecond(),
            base,
            directory.toAbsolutePath().toString(),
            job.id()));
  }

  /** A checkpoint's servable part: {@code adapter/} (LoRA) or {@code merged/} (full). */
  static Path servable(Path checkpoint) {
    Path adapter = checkpoint.resolve("adapter");
    return Files.isDirectory(adapter) ? adapter : checkpoint.resolve("merged");
  }

  private String newName() {
    return "ft:"
        + requested
        + ":"
        + job.project()
        + ":"
        + (suffix == null ? "" : suffix)
        + ":"
        + ids.next("", 8);
  }
}
