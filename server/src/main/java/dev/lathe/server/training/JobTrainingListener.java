package dev.lathe.server.training;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.finetune.FineTuneMethod;
import dev.lathe.finetune.Hyperparameters;
import dev.lathe.finetune.PreferenceRewards;
import dev.lathe.finetune.StepMetrics;
import dev.lathe.finetune.TrainingListener;
import dev.lathe.finetune.TrainingNotice;
import dev.lathe.finetune.TrainingPlan;
import dev.lathe.finetune.TrainingSummary;
import dev.lathe.jobqueue.EventLevel;
import dev.lathe.jobqueue.JobContext;
import dev.lathe.jobqueue.NewCheckpoint;
import dev.lathe.jobqueue.NewEvent;
import dev.lathe.server.jobs.JobExtensionFields;
import dev.lathe.server.store.JobProgress;
import dev.lathe.server.telemetry.ServerMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Locale;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Turns one training run into OpenAI job state as it goes: a {@code metrics} event per step ({@code
 * Step N/M: training loss=…}, keyed {@code step-N} so a resumed run cannot repeat one; the last
 * step's waits for the full validation loss; a DPO step adds TRL's {@code rewards/…} metrics), the
 * resolved hyperparameters (with {@code beta} for DPO) and {@code estimated_finish} on the job, and
 * at each epoch end a job checkpoint with its metrics and a servable {@code …:ckpt-step-N} model
 * (the last epoch's checkpoint is the final model itself), of which the newest {@value
 * #KEPT_CHECKPOINTS} are kept.
 *
 * <p>Lathe's extension fields in a metrics event's data: {@code tokens_per_second} (see {@link
 * StepThroughput}; absent at an attempt's first step) and {@code trained_tokens} (loss tokens so
 * far, carried over a resume by the count stored with each checkpoint). A run that finishes records
 * its measured throughput under {@link #THROUGHPUT}, which estimates read ({@link
 * MeasuredThroughput}).
 *
 * <p>With a validation file, the epoch-end checkpoint with the lowest whole-validation loss is the
 * job's result ({@link dev.lathe.finetune.BestCheckpoint}): its step is recorded under {@link
 * JobExtensionFields#BEST_STEP} (shown on the job object), it is never removed by the keep-three
 * rule, and the trainer's notices (early stop, the best step chosen) are posted as events.
 */
public final class JobTrainingListener implements TrainingListener {

  /** Epoch checkpoints whose models are kept (OpenAI keeps the last three epochs'). */
  static final int KEPT_CHECKPOINTS = 3;

  /** Step intervals a metrics event's {@code tokens_per_second} is measured over. */
  static final int THROUGHPUT_WINDOW = 10;

  /**
   * Progress key of a finished run's measured throughput: {@code {base, lora, method,
   * tokens_per_second, steps}}.
   */
  public static final String THROUGHPUT = "lathe_throughput";

  /**
   * Progress key, and the job object's extension field, of the step whose checkpoint the fine-tuned
   * model is (the best whole-validation loss; absent without a validation file).
   */

  /**
   * Progress key of the loss tokens trained up to the newest checkpoint: {@code {step, tokens}}.
   */
  static final String TRAINED_AT_CHECKPOINT = "lathe_trained_tokens_at_checkpoint";

  /** How often {@code estimated_finish} is rewritten (a database write), in nanoseconds. */
  private static final long ESTIMATE_EVERY_NANOS = 2_000_000_000L;

  private final JobContext context;
  private final JobProgress progress;
  private final JobModels models;
  private final ObjectMapper json;
  private final InstantSource clock;
  private final LongSupplier nanos;
  private final ServerMetrics metrics;
  private StepThroughput throughput;
  private String baseName;
  private ObjectNode lastStepExtras;
  private final TreeMap<Integer, StepMetrics> recent = new TreeMap<>();
  private TrainingPlan plan;
  private StepMetrics lastStep;
  private long firstStepNanos = -1;
  private int firstStep;
  private long lastEstimateNanos;
  private FineTuneMethod<?> method = FineTuneMethod.SUPERVISED;

  JobTrainingListener(
      JobContext context,
      JobProgress progress,
      JobModels models,
      ObjectMapper json,
      InstantSource clock,
      ServerMetrics metrics) {
    this.metrics = metrics;
    this.nanos = metrics::nanoTime;
    this.context = context;
    this.progress = progress;
    this.models = models;
    this.json = json;
    this.clock = clock;
  }

  /** Reports a run of {@code m} (its resolved beta for DPO); returns this listener. */
  JobTrainingListener forMethod(FineTuneMethod<?> m) {
    this.method = m;
    return this;
  }

  /** Records the throughput of a finished run as measured on {@code base} (a configured base). */
  JobTrainingListener onBase(String base) {
    this.baseName = base;
    return this;
  }

  /** The plan, once training started (null before). */
  TrainingPlan plan() {
    return plan;
  }

  @Override
  public void onStart(TrainingPlan p) {
    this.plan = p;
    Hyperparameters h = p.hyperparameters();
    ObjectNode fields = json.createObjectNode();
    ObjectNode hyper = fields.putObject("hyperparameters");
    hyper.put("batch_size", h.batchSize());
    hyper.put("learning_rate_multiplier", h.learningRateMultiplier());
    hyper.put("n_epochs", h.epochs());
    if (method instanceof FineTuneMethod.Dpo dpo) {
      hyper.put("beta", dpo.loss().beta());
    }
    fields.put("total_steps", p.totalSteps());
    fields.put(JobExtensionFields.LEARNING_RATE, p.peakLearningRate());
    progress.merge(context.job().id(), fields);
  }

  @Override
  public void onStep(StepMetrics m) {
    if (throughput == null) {
      throughput = new StepThroughput(THROUGHPUT_WINDOW, nanos, trainedBefore(m.step()));
    }
    throughput.step(m.tokens(), m.trainedTokens());
    ObjectNode extras = json.createObjectNode();
    double perSecond = throughput.tokensPerSecond();
    metrics.trainingStep(m.tokens(), throughput.lastStepNanos(), perSecond);
    if (!Double.isNaN(perSecond)) {
      extras.put("tokens_per_second", perSecond);
    }
    extras.put("trained_tokens", throughput.trainedTokens());
    recent.put(m.step(), m);
    while (recent.size() > plan.stepsPerEpoch() + 1) {
      recent.pollFirstEntry();
    }
    if (m.step() == m.totalSteps()) {
      lastStep = m; // posted by onFinished with the full validation metrics
      lastStepExtras = extras;
    } else {
      stepEvent(m, extras, Double.NaN, Double.NaN);
    }
    estimate(m);
  }

  @Override
  public void onCheckpoint(int step, Path directory) {
    models.saveCheckpoint(directory);
    if (throughput != null) {
      ObjectNode at = json.createObjectNode();
      at.putObject(TRAINED_AT_CHECKPOINT)
          .put("step", step)
          .put("tokens", throughput.trainedTokens());
      progress.merge(context.job().id(), at);
    }
    if (!plan.isEpochEnd(step)) {
      return; // a stop's checkpoint: for resuming only, not one of OpenAI's per-epoch checkpoints
    }
    StepMetrics m = recent.get(step);
    ObjectNode metrics = json.createObjectNode();
    if (m != null) {
      putStep(metrics, m);
    }
    String model = models.checkpoint(step, plan.totalSteps(), bestStep());
    context.addCheckpoint(new NewCheckpoint(step, write(metrics), directory.toString(), model));
    try {
      models.keepNewest(KEPT_CHECKPOINTS, bestStep());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove an old checkpoint: " + e.getMessage(), e);
    }
  }

  @Override
  public void onCheckpointRemoved(int step, Path directory) {
    try {
      models.removed(step); // a divergence refused its weights: no model, no record, no copy
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove a diverged checkpoint: " + e.getMessage(), e);
    }
  }

  /** Records {@code step} as the best so far: its checkpoint is kept and it is the result. */
  @Override
  public void onBest(int step, double validLoss) {
    ObjectNode fields = json.createObjectNode();
    fields.put(JobExtensionFields.BEST_STEP, step);
    progress.merge(context.job().id(), fields);
  }

  /** The best step recorded so far (also by an earlier attempt of the job), or 0. */
  private int bestStep() {
    return progress.get(context.job().id()).path(JobExtensionFields.BEST_STEP).asInt(0);
  }

  /** A safeguard's notice becomes a job event, once (its key is the event's idempotency key). */
  @Override
  public void onNotice(TrainingNotice notice) {
    context.appendEvent(
        new NewEvent(
                null,
                notice.warning() ? EventLevel.WARN : EventLevel.INFO,
                notice.message(),
                "message",
                "{}")
            .withKey(notice.key()));
  }

  @Override
  public void onFinished(TrainingSummary summary) {
    if (!summary.cancelled() && lastStep != null) {
      stepEvent(lastStep, lastStepExtras, summary.fullValidLoss(), summary.fullValidAccuracy());
    }
    if (!summary.cancelled() && baseName != null && throughput != null) {
      double perSecond = throughput.attemptTokensPerSecond();
      if (!Double.isNaN(perSecond)) {
        ObjectNode fields = json.createObjectNode();
        fields
            .putObject(THROUGHPUT)
            .put("base", baseName)
            .put("lora", plan.loraRank() > 0)
            .put("method", method.type())
            .put("tokens_per_second", perSecond)
            .put("steps", throughput.measuredSteps());
        progress.merge(context.job().id(), fields);
      }
    }
  }

  /** Loss tokens trained before {@code step} by an earlier attempt (its checkpoint's count). */
  private long trainedBefore(int step) {
    if (step <= 1) {
      return 0;
    }
    JsonNode at = progress.get(context.job().id()).path(TRAINED_AT_CHECKPOINT);
    return at.path("step").asInt() == step - 1 ? at.path("tokens").asLong() : 0;
  }

  private void stepEvent(StepMetrics m, ObjectNode extras, double fullLoss, double fullAccuracy) {
    ObjectNode data = json.createObjectNode();
    putStep(data, m);
    data.put("total_steps", m.totalSteps());
    data.setAll(extras);
    StringBuilder message =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "Step %d/%d: training loss=%.2f",
                m.step(),
                m.totalSteps(),
                m.trainLoss()));
    if (m.validated()) {
      message.append(String.format(Locale.ROOT, ", validation loss=%.2f", m.validLoss()));
    }
    if (m.rewards() != null) {
      message.append(
          String.format(
              Locale.ROOT,
              ", reward accuracy=%.2f, reward margin=%.3f",
              m.rewards().accuracy(),
              m.rewards().margin()));
    }
    if (!Double.isNaN(fullLoss)) {
      message.append(String.format(Locale.ROOT, ", full validation loss=%.2f", fullLoss));
      data.put("full_valid_loss", fullLoss);
      data.put("full_valid_mean_token_accuracy", fullAccuracy);
    }
    context.appendEvent(
        new NewEvent(
            "step-" + m.step(), EventLevel.INFO, message.toString(), "metrics", write(data)));
  }

  private static void putStep(ObjectNode o, StepMetrics m) {
    o.put("step", m.step());
    o.put("train_loss", m.trainLoss());
    o.put("train_mean_token_accuracy", m.trainAccuracy());
    if (m.validated()) {
      o.put("valid_loss", m.validLoss());
      o.put("valid_mean_token_accuracy", m.validAccuracy());
    }
    PreferenceRewards r = m.rewards();
    if (r != null) {
      o.put("rewards/chosen", r.chosen());
      o.put("rewards/rejected", r.rejected());
      o.put("rewards/accuracies", r.accuracy());
      o.put("rewards/margins", r.margin());
    }
    PreferenceRewards v = m.validRewards();
    if (v != null) {
      o.put("valid_rewards/accuracies", v.accuracy());
      o.put("valid_rewards/margins", v.margin());
    }
  }

  /** {@code estimated_finish}: now plus the remaining steps at this attempt's mean step time. */
  private void estimate(StepMetrics m) {
    long now = nanos.getAsLong();
    if (firstStepNanos < 0) {
      firstStepNanos = now;
      firstStep = m.step();
      return;
    }
    if (now - lastEstimateNanos < ESTIMATE_EVERY_NANOS && m.step() < m.totalSteps()) {
      return;
    }
    lastEstimateNanos = now;
    double perStep = (now - firstStepNanos) / 1e9 / Math.max(1, m.step() - firstStep);
    long finish =
        clock.instant().getEpochSecond() + Math.round(perStep * (m.totalSteps() - m.step()));
    ObjectNode fields = json.createObjectNode();
    fields.put("estimated_finish", finish);
    progress.merge(context.job().id(), fields);
  }

  private String write(ObjectNode node) {
    try {
      return json.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
