package dev.lathe.finetune;

import dev.lathe.transformer.optim.AdamW;
import dev.lathe.transformer.optim.GradientClipping;
import dev.lathe.transformer.optim.LearningRateSchedule;
import dev.lathe.transformer.train.Parameter;
import dev.lathe.transformer.train.TrainableModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.random.RandomGenerator;

/**
 * The training loop: epochs of shuffled examples, {@code batch_size} examples per optimizer step,
 * the {@link Objective}'s gradients clipped to a global norm, an AdamW update at the scheduled
 * rate, validation on a fixed sample every few steps and on the whole validation set at the end,
 * checkpoints at each epoch end (and every N steps if asked), and cooperative cancellation checked
 * before every step; a stopped run first checkpoints the step it stopped at, so nothing is lost.
 *
 * <p>With a validation set, the loss on the whole of it is measured at each epoch end; the run ends
 * with the weights of the best epoch-end checkpoint, and stops early after {@code patience} epochs
 * without improvement when asked ({@link #stoppingEarly}; see {@link BestCheckpoint}).
 *
 * <p>Every step is checked before its update ({@link DivergenceGuard}): a non-finite loss or
 * gradient, or a loss spike, rolls the run back to the newest good checkpoint (or the start),
 * halves the learning rate and posts a notice; the steps after it are taken again (their metrics
 * rows and events repeat the step numbers; events are keyed, so each is posted once). The rate
 * factor and the count are kept in checkpoints, so a resumed run keeps the lowered rate. A
 * checkpoint is good once the loss of the step after it (which is the loss of its weights) passed
 * the guard, or the whole validation set chose it as the best; a checkpoint whose own weights
 * diverged is removed from disk ({@link TrainingListener#onCheckpointRemoved}) before the run goes
 * back to the one before it, so what a run leaves on disk, finished or failed, never holds weights
 * the guard refused. A resumed run takes its checkpoint as good.
 *
 * <p>Determinism: at the start one seed per epoch is drawn from the injected random generator, and
 * epoch e's order is a Fisher–Yates shuffle driven by its seed. With the same seed, data and thread
 * count every step computes the same numbers; a run resumed from a checkpoint (which holds those
 * seeds, the position in the current epoch and AdamW's state) ends with the same weights, bit for
 * bit, as one that never stopped.
 *
 * @param <E> the example type of the objective
 */
public final class Trainer<E> {

  private final TrainableModel model;
  private final Objective<E> objective;
  private final TrainingConfig config;
  private final TrainingListener listener;
  private final BooleanSupplier cancelled;
  private final Path checkpointRoot;
  private StepRandom stepRandom;
  private int patience;
  private int checkpointed;
  private Map<String, float[]> bestInMemory;
  private BestCheckpoint best;
  private final DivergenceGuard guard = new DivergenceGuard();
  private double learningRateScale = 1.0;
  private int rollbacks;
  private int judged; // the newest good checkpoint's step (0: the start)
  private TrainingCheckpoint start;

  /**
   * A trainer.
   *
   * @param checkpointRoot where checkpoint directories go ({@link RunLayout#checkpoints()}); null
   *     for none
   * @param cancelled polled before every step; true stops the run after the current step (with a
   *     checkpoint there when {@code checkpointRoot} is set)
   */
  public Trainer(
      TrainableModel model,
      Objective<E> objective,
      TrainingConfig config,
      TrainingListener listener,
      BooleanSupplier cancelled,
      Path checkpointRoot) {
    this.model = model;
    this.objective = objective;
    this.config = config;
    this.listener = listener;
    this.cancelled = cancelled;
    this.checkpointRoot = checkpointRoot;
  }

  /**
   * Reseeds {@code random} before every step from the run's seeds and the step number (for the
   * model's dropout, see {@link StepRandom}); returns this trainer.
   */
  public Trainer<E> reseedingEachStep(StepRandom random) {
    this.stepRandom = random;
    return this;
  }

  /**
   * Stops the run after {@code epochs} epochs in a row without a lower whole-validation loss (0:
   * never; {@link FineTuneOptions#DEFAULT_EARLY_STOPPING_PATIENCE}); returns this trainer.
   */
  public Trainer<E> stoppingEarly(int epochs) {
    if (epochs < 0) {
      throw new IllegalArgumentException("early-stopping patience must be >= 0, got " + epochs);
    }
    this.patience = epochs;
    return this;
  }

  /** Trains from the start, drawing the epoch seeds from {@code random}. */
  public TrainingSummary run(List<E> train, List<E> valid, RandomGenerator random) {
    requireExamples(train);
    int epochs = config.hyperparameters().epochs();
    long[] seeds = new long[epochs];
    for (int e = 0; e < epochs; e++) {
      seeds[e] = random.nextLong();
    }
    AdamW optimizer = new AdamW(config.optimizer(), model.trainableParameters());
    best =
        new BestCheckpoint(
            patience, config.hyperparameters().stepsPerEpoch(train.size()), 0, Double.NaN);
    int[] order = shuffled(train.size(), seeds[0]);
    // the state a divergence before the first checkpoint rolls back to
    start = snapshot(optimizer, seeds, 0, 0, 0, order);
    return loop(train, valid, optimizer, seeds, 0, 0, 0, order);
  }

  /** Continues the run {@code checkpoint} was taken from. */
  public TrainingSummary resume(List<E> train, List<E> valid, TrainingCheckpoint checkpoint) {
    requireExamples(train);
    if (!checkpoint.config().equals(config)) {
      throw new IllegalArgumentException(
          "the checkpoint was taken with "
              + checkpoint.config()
              + " but this run is configured with "
              + config
              + ": resume with the same settings");
    }
    if (checkpoint.order().length != train.size()) {
      throw new IllegalArgumentException(
          "the checkpoint's run had "
              + checkpoint.order().length
              + " training examples, this one has "
              + train.size()
              + ": resume with the same training file");
    }
    List<Parameter> params = model.trainableParameters();
    for (Parameter p : params) {
      float[] saved = checkpoint.parameters().get(p.name());
      if (saved == null || saved.length != p.value().length) {
        throw new IllegalArgumentException(
            "the checkpoint has no parameter " + p.name() + " of " + p.value().length + " values");
      }
      System.arraycopy(saved, 0, p.value(), 0, saved.length);
    }
    AdamW optimizer = new AdamW(config.optimizer(), params);
    optimizer.restore(checkpoint.optimizer());
    best =
        new BestCheckpoint(
            patience,
            config.hyperparameters().stepsPerEpoch(train.size()),
            checkpoint.bestStep(),
            checkpoint.bestValidLoss());
    learningRateScale = checkpoint.learningRateScale();
    rollbacks = checkpoint.rollbacks();
    judged = checkpoint.step();
    return loop(
        train,
        valid,
        optimizer,
        checkpoint.epochSeeds(),
        checkpoint.step(),
        checkpoint.epoch(),
        checkpoint.stepInEpoch(),
        checkpoint.order());
  }

  private TrainingSummary loop(
      List<E> train,
      List<E> valid,
      AdamW optimizer,
      long[] seeds,
      int step,
      int epoch,
      int stepInEpoch,
      int[] order) {
    Hyperparameters h = config.hyperparameters();
    int n = train.size();
    int perEpoch = h.stepsPerEpoch(n);
    int total = h.totalSteps(n);
    LearningRateSchedule schedule = config.schedule(total);
    List<Parameter> params = model.trainableParameters();
    List<E> sample = valid.subList(0, Math.min(config.validationSample(), valid.size()));
    long trainedTokens = 0;
    boolean stoppedEarly = false;
    List<E> lastBatch = null; // the batch of the last accepted step, and its loss
    double lastBatchLoss = Double.NaN;
    checkpointed = step;
    while (epoch < h.epochs()) {
      while (stepInEpoch < perEpoch) {
        if (cancelled.getAsBoolean()) {
          if (step > checkpointed) {
            // a stop (cancel, pause, shutdown) keeps its progress: resume continues from here
            checkpoint(optimizer, seeds, step, epoch, stepInEpoch, order);
          }
          TrainingSummary summary =
              new TrainingSummary(
                  step, total, true, Double.NaN, Double.NaN, trainedTokens, 0, false);
          listener.onFinished(summary);
          return summary;
        }
        List<E> examples = new ArrayList<>();
        int from = stepInEpoch * h.batchSize();
        for (int i = from; i < Math.min(n, from + h.batchSize()); i++) {
          examples.add(train.get(order[i]));
        }
        if (stepRandom != null) {
          stepRandom.reseed(seeds[0] ^ (0x9E3779B97F4A7C15L * (step + 1)));
        }
        model.zeroGradients();
        StepOutcome out = objective.accumulateGradients(model, examples);
        double norm = GradientClipping.clip(params, config.maxGradNorm());
        String diverged = guard.checkLoss(out.loss());
        if (diverged != null && Double.isFinite(out.loss()) && lastBatch != null) {
          // a suspect: divergence of the weights, or only a batch harder than the recent ones?
          double again = objective.evaluate(model, lastBatch).loss();
          diverged =
              DivergenceGuard.confirms(lastBatchLoss, again)
                  ? String.format(
                      Locale.ROOT,
                      "%s, and step %d's own batch went from %.4f to %.4f",
                      diverged,
                      step,
                      lastBatchLoss,
                      again)
                  : null;
        }
        if (diverged == null) {
          judged(step);
          diverged = guard.checkGradient(norm);
        }
        if (diverged != null) {
          TrainingCheckpoint good = rollBack(optimizer, step, diverged);
          step = good.step();
          epoch = good.epoch();
          stepInEpoch = good.stepInEpoch();
          order = good.order();
          checkpointed = step;
          lastBatch = null;
          continue;
        }
        guard.accept(out.loss());
        lastBatch = examples;
        lastBatchLoss = out.loss();
        double lr = schedule.at(step + 1) * learningRateScale;
        optimizer.step(lr);
        step++;
        stepInEpoch++;
        trainedTokens += out.trainedTokens();
        StepOutcome v = null;
        if (!sample.isEmpty() && (step % config.evalEvery() == 0 || step == total)) {
          v = objective.evaluate(model, sample);
        }
        listener.onStep(
            new StepMetrics(
                step,
                total,
                epoch,
                out.loss(),
                out.accuracy(),
                v == null ? Double.NaN : v.loss(),
                v == null ? Double.NaN : v.accuracy(),
                lr,
                norm,
                out.trainedTokens(),
                out.tokens(),
                out.rewards(),
                v == null ? null : v.rewards()));
        boolean epochEnd = stepInEpoch == perEpoch;
        if (!epochEnd && config.checkpointEvery() > 0 && step % config.checkpointEvery() == 0) {
          checkpoint(optimizer, seeds, step, epoch, stepInEpoch, order);
        }
      }
      epoch++;
      stepInEpoch = 0;
      if (epoch < h.epochs()) {
        order = shuffled(n, seeds[epoch]);
      }
      if (!valid.isEmpty()) {
        double loss = objective.evaluate(model, valid).loss();
        boolean isBest = best.record(step, loss);
        if (isBest) {
          listener.onBest(step, loss);
          if (checkpointRoot == null) {
            bestInMemory = parameterValues(true);
          }
        }
        listener.onMessage(
            String.format(
                Locale.ROOT,
                "epoch %d: validation loss %.4f on the whole validation set%s",
                epoch,
                loss,
                isBest ? " (best so far)" : ""));
        stoppedEarly = epoch < h.epochs() && best.shouldStop(step);
      }
      checkpoint(optimizer, seeds, step, epoch, stepInEpoch, order);
      if (stoppedEarly) {
        listener.onNotice(new TrainingNotice("early-stop", false, best.stopMessage(step)));
        break;
      }
    }
    if (best.step() > 0 && best.step() != step) {
      restoreBest(best.step());
    }
    double fullLoss = Double.NaN;
    double fullAccuracy = Double.NaN;
    if (!valid.isEmpty()) {
      StepOutcome full = objective.evaluate(model, valid);
      fullLoss = full.loss();
      fullAccuracy = full.accuracy();
    }
    TrainingSummary summary =
        new TrainingSummary(
            step, total, false, fullLoss, fullAccuracy, trainedTokens, best.step(), stoppedEarly);
    listener.onFinished(summary);
    if (best.step() > 0) { // after the last step's metrics, which onFinished completes
      listener.onNotice(new TrainingNotice("best-checkpoint", false, best.chosenMessage()));
    }
    return summary;
  }

  private void checkpoint(
      AdamW optimizer, long[] seeds, int step, int epoch, int stepInEpoch, int[] order) {
    if (checkpointRoot == null) {
      return;
    }
    List<Parameter> params = model.trainableParameters();
    TrainingCheckpoint c =
        new TrainingCheckpoint(
            step,
            epoch,
            stepInEpoch,
            order,
            seeds,
            config,
            parameterValues(false),
            optimizer.state(),
            best.step(),
            best.loss(),
            learningRateScale,
            rollbacks);
    Path dir = RunLayout.Checkpoint.in(checkpointRoot, step).dir();
    try {
      c.write(dir, params);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint " + dir + ": " + e.getMessage(), e);
    }
    checkpointed = step;
    if (best.step() == step) {
      judged(step); // the validation set chose its weights
    }
    listener.onCheckpoint(step, dir);
  }

  /**
   * Records that the weights after {@code step} updates gave a sane loss: when a checkpoint holds
   * them, it is the one a rollback goes to from now on (and the start's copy is no longer kept).
   */
  private void judged(int step) {
    if (checkpointRoot != null && checkpointed == step && step > judged) {
      judged = step;
      start = null;
    }
  }

  /** The run's state now, copied, as a checkpoint kept in memory. */
  private TrainingCheckpoint snapshot(
      AdamW optimizer, long[] seeds, int step, int epoch, int stepInEpoch, int[] order) {
    AdamW.State o = optimizer.state();
    return new TrainingCheckpoint(
        step,
        epoch,
        stepInEpoch,
        order.clone(),
        seeds,
        config,
        parameterValues(true),
        new AdamW.State(
            o.step(),
            o.firstMoments().stream().map(float[]::clone).toList(),
            o.secondMoments().stream().map(float[]::clone).toList()),
        0,
        Double.NaN,
        learningRateScale,
        rollbacks);
  }

  /**
   * Rolls back after the step following {@code step} diverged ({@code why}): removes the
   * checkpoints newer than the newest good one ({@link #judged}), restores that one (or the start)
   * into the model and {@code optimizer}, lowers the learning rate and returns it (its data
   * position is where the run continues).
   *
   * @throws DivergedException when the rollbacks are used up (the checkpoints newer than the good
   *     one removed first)
   */
  private TrainingCheckpoint rollBack(AdamW optimizer, int step, String why) {
    String what = "Step " + (step + 1) + " diverged: " + why;
    removeCheckpointsAfter(start != null ? 0 : judged, what);
    if (rollbacks == DivergenceGuard.MAX_ROLLBACKS) {
      throw new DivergedException(
          String.format(
              Locale.ROOT,
              "%s, after %d rollbacks to the last good checkpoint, each lowering the learning rate"
                  + " (now %s of the schedule). The checkpoints on disk are intact. Try a lower"
                  + " learning_rate_multiplier or a larger batch_size, and look for broken or"
                  + " extreme examples in the training file.",
              what,
              rollbacks,
              learningRateScale));
    }
    TrainingCheckpoint good = start;
    if (good == null) {
      Path dir = RunLayout.Checkpoint.in(checkpointRoot, judged).dir();
      try {
        good = TrainingCheckpoint.read(dir);
      } catch (IOException e) {
        throw new UncheckedIOException(
            what + "; cannot read the last good checkpoint " + dir + " back: " + e.getMessage(), e);
      }
    }
    for (Parameter p : model.trainableParameters()) {
      float[] saved = good.parameters().get(p.name());
      System.arraycopy(saved, 0, p.value(), 0, saved.length);
    }
    optimizer.restore(good.optimizer());
    rollbacks++;
    learningRateScale *= DivergenceGuard.LEARNING_RATE_FACTOR;
    guard.reset();
    listener.onNotice(
        new TrainingNotice(
            "rollback-" + rollbacks,
            true,
            String.format(
                Locale.ROOT,
                "%s; rolled back to %s and lowered the learning rate to %s of the schedule"
                    + " (rollback %d of %d)",
                what,
                good.step() == 0 ? "the start" : "the checkpoint at step " + good.step(),
                learningRateScale,
                rollbacks,
                DivergenceGuard.MAX_ROLLBACKS)));
    return good;
  }

  /**
   * Removes the checkpoints written after step {@code good} (whose weights the guard refused, or
   * never judged before {@code what} happened), telling the listener of each.
   */
  private void removeCheckpointsAfter(int good, String what) {
    if (checkpointRoot == null) {
      return;
    }
    try {
      for (RunLayout.Checkpoint c : new RunLayout(checkpointRoot.getParent()).checkpointsOnDisk()) {
        if (c.step() > good) {
          c.delete();
          listener.onCheckpointRemoved(c.step(), c.dir());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          what + "; cannot remove the checkpoints after step " + good + ": " + e.getMessage(), e);
    }
  }

  /** The trainable parameters' values by name: the live arrays, or copies. */
  private Map<String, float[]> parameterValues(boolean copy) {
    Map<String, float[]> values = new LinkedHashMap<>();
    for (Parameter p : model.trainableParameters()) {
      values.put(p.name(), copy ? p.value().clone() : p.value());
    }
    return values;
  }

  /** Puts the weights of the best checkpoint (at {@code step}) back into the model. */
  private void restoreBest(int step) {
    Map<String, float[]> values = bestInMemory;
    if (checkpointRoot != null) {
      Path dir = RunLayout.Checkpoint.in(checkpointRoot, step).dir();
      try {
        values = TrainingCheckpoint.read(dir).parameters();
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot read the best checkpoint "
                + dir
                + " back: "
                + e.getMessage()
                + "; it must be kept until the run ends",
            e);
      }
    }
    for (Parameter p : model.trainableParameters()) {
      float[] saved = values.get(p.name());
      System.arraycopy(saved, 0, p.value(), 0, saved.length);
    }
  }

  /** The order of epoch with shuffle seed {@code seed}: Fisher–Yates over 0..n-1. */
  static int[] shuffled(int n, long seed) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  private static void requireExamples(List<?> train) {
    if (train.isEmpty()) {
      throw new IllegalArgumentException("the training set has no usable example");
    }
  }
}
