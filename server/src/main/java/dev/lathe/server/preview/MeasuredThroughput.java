package dev.lathe.server.preview;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.finetune.MicroBatcher;
import dev.lathe.finetune.StepOutcome;
import dev.lathe.finetune.SupervisedObjective;
import dev.lathe.finetune.TrainingExample;
import dev.lathe.jobqueue.Job;
import dev.lathe.jobqueue.JobStatus;
import dev.lathe.jobqueue.JobStore;
import dev.lathe.jobqueue.Page;
import dev.lathe.server.store.JobProgress;
import dev.lathe.server.training.FineTuningJobHandler;
import dev.lathe.server.training.JobTrainingListener;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelLoader;
import dev.lathe.transformer.train.LoraConfig;
import dev.lathe.transformer.train.TrainableModel;
import dev.lathe.transformer.train.Training;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * How many tokens per second this machine trains a base at, LoRA or full as the server's jobs are:
 * the median of what this server's finished jobs on that base measured ({@link
 * JobTrainingListener#THROUGHPUT}, every project's jobs, since it is the machine that is measured),
 * or when there are none a timed calibration: two real forward and backward passes of the base over
 * a batch of the caller's rendered examples, the second one timed (the first warms the code up),
 * remembered per base and kind in memory until the server stops.
 *
 * <p>A calibration runs on the request's thread and takes what two steps of the model take; it
 * measures forward and backward only, so the optimizer step, validation and checkpoints that a
 * job's own measurement includes are left out.
 */
public final class MeasuredThroughput {
  /** Jobs looked at for measurements, newest first. */
  static final int JOBS_SCANNED = 1000;

  /** Tokens a calibration batch stops growing at. */
  static final int CALIBRATION_TOKENS = FineTuningJobHandler.MICRO_BATCH_TOKENS;

  /**
   * A throughput and where it comes from.
   *
   * @param tokensPerSecond tokens (all positions, context included) trained per second
   * @param source human text: which measurement
   */
  record Measure(double tokensPerSecond, String source) {}

  private final JobStore jobs;
  private final JobProgress progress;
  private final int loraRank;
  private final LongSupplier nanos;
  private final Map<String, Measure> calibrated = new ConcurrentHashMap<>();

  /**
   * @param loraRank the rank of the server's jobs, 0 for full fine-tuning
   * @param nanos a monotonic clock in nanoseconds, for timing calibrations
   */
  public MeasuredThroughput(JobStore jobs, JobProgress progress, int loraRank, LongSupplier nanos) {
    this.jobs = jobs;
    this.progress = progress;
    this.loraRank = loraRank;
    this.nanos = nanos;
  }

  /**
   * The throughput of {@code base} (a configured base name, trained from {@code directory}), from
   * finished jobs or a calibration on {@code examples} (rendered for it; at least one).
   */
  Measure of(String base, Path directory, List<TrainingExample> examples) throws IOException {
    List<Double> measured = fromJobs(base);
    String kind = loraRank > 0 ? "LoRA rank " + loraRank : "full fine-tuning";
    if (!measured.isEmpty()) {
      return new Measure(
          median(measured),
          "median of "
              + measured.size()
              + " finished job"
              + (measured.size() == 1 ? "" : "s")
              + " on "
              + base
              + " ("
              + kind
              + ") on this server");
    }
    String key = base + "|" + loraRank;
    Measure known = calibrated.get(key);
    if (known != null) {
      return known;
    }
    synchronized (this) { // one calibration at a time: they compete for the same cores
      known = calibrated.get(key);
      if (known == null) {
        known = calibrate(base, directory, examples, kind);
        calibrated.put(key, known);
      }
      return known;
    }
  }

  /** The throughputs succeeded jobs on {@code base} recorded, of the server's kind. */
  private List<Double> fromJobs(String base) {
    List<Double> found = new ArrayList<>();
    String after = null;
    int seen = 0;
    while (seen < JOBS_SCANNED) {
      Page<Job> page = jobs.list(Job.FINE_TUNE, null, after, 100);
      for (Job job : page.data()) {
        seen++;
        after = job.id();
        if (job.status() != JobStatus.SUCCEEDED) {
          continue;
        }
        JsonNode t = progress.get(job.id()).path(JobTrainingListener.THROUGHPUT);
        if (t.path("base").asText().equals(base)
            && t.path("lora").asBoolean() == (loraRank > 0)
            && t.path("tokens_per_second").asDouble() > 0) {
          found.add(t.path("tokens_per_second").asDouble());
        }
      }
      if (!page.hasMore() || page.data().isEmpty()) {
        break;
      }
    }
    return found;
  }

  private Measure calibrate(
      String base, Path directory, List<TrainingExample> examples, String kind) throws IOException {
    List<TrainingExample> batch = new ArrayList<>();
    int tokens = 0;
    for (TrainingExample e : examples) {
      if (!batch.isEmpty() && tokens + e.length() > CALIBRATION_TOKENS) {
        break;
      }
      batch.add(e);
      tokens += e.length();
    }
    LoadedModel loaded = ModelLoader.load(directory);
    TrainableModel model =
        loraRank > 0
            ? Training.lora(
                loaded, LoraConfig.of(loraRank, 2.0 * loraRank, 0.05), new SplittableRandom(0))
            : Training.full(loaded);
    int context = loaded.config().contextLength();
    SupervisedObjective objective =
        new SupervisedObjective(
            new MicroBatcher(Math.max(context, FineTuningJobHandler.MICRO_BATCH_TOKENS), true));
    model.zeroGradients();
    objective.accumulateGradients(model, batch); // warm-up
    model.zeroGradients();
    long start = nanos.getAsLong();
    StepOutcome out = objective.accumulateGradients(model, batch);
    double seconds = Math.max(1e-9, (nanos.getAsLong() - start) / 1e9);
    return new Measure(
        out.tokens() / seconds,
        "a timed calibration step of "
            + base
            + " ("
            + kind
            + ", "
            + out.tokens()
            + " tokens forward and backward) on this machine; no finished job on this base to"
            + " measure yet");
  }

  static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
