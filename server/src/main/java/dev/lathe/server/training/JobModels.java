package dev.lathe.server.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.finetune.ModelExport;
import dev.lathe.finetune.RunLayout;
import dev.lathe.jobqueue.Checkpoint;
import dev.lathe.jobqueue.Job;
import dev.lathe.jobqueue.JobContext;
import dev.lathe.server.jobs.TrainableBases;
import dev.lathe.server.store.FineTunedModels;
import dev.lathe.server.store.Ids;
import dev.lathe.server.store.JobProgress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;

/**
 * The models one fine-tuning job creates, named as OpenAI names them: {@code ft:BASE:ORG:SUFFIX:ID}
 * for the final model and {@code ft:BASE:ORG:SUFFIX:ID2:ckpt-step-N} for each epoch checkpoint
 * (another random id each), where BASE is the model the job asked for (an alias keeps its own name;
 * a job on an {@code ft:} model names the base that model's name begins with), ORG the job's
 * project and SUFFIX the user's suffix (empty when none, which gives {@code ::}). The final name is
 * kept in {@link JobProgress} the first time it is made and each checkpoint's on its row in the job
 * queue ({@link Checkpoint#model()}, OpenAI's {@code fine_tuned_model_checkpoint}), so a resumed
 * job reuses them; rows go to the {@code models} table once each.
 *
 * <p>A model is served from its adapter directory over the configured base, or from a merged
 * directory. A job that started from a fine-tuned model ({@link TrainableBases}) trained its
 * adapters over that model's weights, not the base's, so its models are served merged: the final
 * model from the job's {@code merged/}, each LoRA checkpoint from a {@code merged/} written beside
 * its {@code adapter/} (the adapter merged into the start) when it is registered.
 */
public final class JobModels {
  private final JobContext context;
  private final Job job;
  private final String requested;
  private final String base;
  private final String suffix;
  private final Path start;
  private final RunLayout run;
  private final RunStore stored;
  private final FineTunedModels rows;
  private final JobProgress progress;
  private final Ids ids;
  private final InstantSource clock;
  private final ObjectMapper json;

  /**
   * @param requested the job's {@code model} (base or alias name)
   * @param base the configured base name whose weights serve the models
   * @param suffix the user's suffix, or null
   * @param start the directory of the fine-tuned model the job started from, or null for a base
   * @param run the job's run directory (its checkpoints)
   * @param stored the run's copy in the object store, which models are recorded by
   */
  JobModels(
      JobContext context,
      String requested,
      String base,
      String suffix,
      Path start,
      RunLayout run,
      RunStore stored,
      FineTunedModels rows,
      JobProgress progress,
      Ids ids,
      InstantSource clock,
      ObjectMapper json) {
    this.context = context;
    this.job = context.job();
    this.requested = requested;
    this.base = base;
    this.suffix = suffix;
    this.start = start;
    this.run = run;
    this.stored = stored;
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
   * Names the model of the epoch checkpoint at {@code step} (the name an earlier attempt recorded
   * for it, if any) and registers it, unless it is the last step and the run's result (no best
   * checkpoint, {@code bestStep} 0, or the best is the last), whose model is the final one. The
   * caller records the checkpoint with the name.
   */
  String checkpoint(int step, int totalSteps, int bestStep) {
    if (step == totalSteps && (bestStep == 0 || bestStep == step)) {
      return finalName();
    }
    String name =
        context.checkpoints().stream()
            .filter(c -> c.step() == step && c.model() != null)
            .map(Checkpoint::model)
            .findFirst()
            .orElseGet(() -> newName() + ":ckpt-step-" + step);
    register(name, servableCheckpoint(run.checkpoint(step)));
    return name;
  }

  /**
   * Keeps the newest {@code kept} epoch checkpoints, as OpenAI keeps the last three epochs': an
   * older one loses its model, its record and its directory (resuming only needs the newest). The
   * final model counts as the last epoch's. The checkpoint at {@code bestStep} (the best validation
   * loss, whose weights become the fine-tuned model; 0 for none) is kept whatever its age.
   */
  void keepNewest(int kept, int bestStep) throws IOException {
    List<Checkpoint> newestFirst = context.checkpoints();
    for (Checkpoint old :
        newestFirst.subList(Math.min(kept, newestFirst.size()), newestFirst.size())) {
      if (old.step() == bestStep) {
        continue;
      }
      if (old.model() != null) {
        rows.delete(old.model());
      }
      RunLayout.Checkpoint gone = run.checkpoint(Math.toIntExact(old.step()));
      stored.deleteCheckpoint(gone.dir());
      gone.delete();
      context.removeCheckpoint(old.step());
    }
  }

  /**
   * Forgets the epoch checkpoint at {@code step}, whose directory the run removed (its weights
   * diverged): its model, its record and its stored copy.
   */
  void removed(int step) throws IOException {
    stored.deleteCheckpoint(run.checkpoint(step).dir());
    for (Checkpoint c : context.checkpoints()) {
      if (c.step() == step) {
        if (c.model() != null) {
          rows.delete(c.model());
        }
        context.removeCheckpoint(c.step());
      }
    }
  }

  /**
   * Registers the final model, served from {@code adapterDir} (LoRA over the base) or {@code
   * mergedDir} (full fine-tuning, or a job that started from a fine-tuned model).
   */
  String registerFinal(Path adapterDir, Path mergedDir) {
    String name = finalName();
    register(name, start == null && adapterDir != null ? adapterDir : mergedDir);
    return name;
  }

  /** Stores the checkpoint just written at {@code dir}, so another worker can resume from it. */
  void saveCheckpoint(Path dir) {
    try {
      stored.saveCheckpoint(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void register(String name, Path dir) {
    String directory;
    try {
      directory = stored.publish(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    rows.insertIfAbsent(
        new FineTunedModels.Row(name, job.project(), clock.instant(), base, directory, job.id()));
  }

  /** A checkpoint's servable part, merged over the start for a LoRA continued fine-tune. */
  private Path servableCheckpoint(RunLayout.Checkpoint checkpoint) {
    Path dir = checkpoint.servable();
    if (start == null || !Files.isRegularFile(dir.resolve("adapter_config.json"))) {
      return dir;
    }
    Path merged = checkpoint.merged();
    if (!Files.isRegularFile(merged.resolve("config.json"))) {
      try {
        ModelExport.writeMerged(merged, start, dir);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot merge checkpoint "
                + checkpoint.dir()
                + " over "
                + start
                + ": "
                + e.getMessage(),
            e);
      }
    }
    return merged;
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
