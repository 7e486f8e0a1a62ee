package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {

  static final int VOCAB = 11;
  final List<TrainingExample> train = ToyData.examples(40, VOCAB, 1);
  final List<TrainingExample> valid = ToyData.examples(12, VOCAB, 2);

  static TrainingConfig config(int epochs, int batch) {
    return TrainingConfig.lora(new Hyperparameters(epochs, batch, 1.0)).withEvalEvery(5);
  }

  static final class Recorder implements TrainingListener {
    final List<StepMetrics> steps = new ArrayList<>();
    final List<Integer> checkpoints = new ArrayList<>();
    TrainingSummary summary;

    @Override
    public void onStep(StepMetrics m) {
      steps.add(m);
    }

    @Override
    public void onCheckpoint(int step, Path directory) {
      checkpoints.add(step);
    }

    @Override
    public void onFinished(TrainingSummary s) {
      summary = s;
    }
  }

  private static Trainer<TrainingExample> trainer(
      BigramModel model, TrainingConfig cfg, TrainingListener l, Path ckpt, int maxTokens) {
    return new Trainer<>(
        model,
        new SupervisedObjective(new MicroBatcher(maxTokens, true)),
        cfg,
        l,
        () -> false,
        ckpt);
  }

  @Test
  void lossFallsAndValidationIsReportedOnSchedule() {
    BigramModel model = new BigramModel(VOCAB, 3);
    Recorder rec = new Recorder();
    TrainingConfig cfg =
        new TrainingConfig(
            new Hyperparameters(6, 4, 1.0),
            0.05,
            0.1,
            dev.lathe.transformer.optim.LearningRateSchedule.Decay.COSINE,
            dev.lathe.transformer.optim.AdamWConfig.withWeightDecay(0),
            1.0,
            5,
            8,
            0);
    trainer(model, cfg, rec, null, 64).run(train, valid, new SplittableRandom(9));
    assertThat(rec.steps).hasSize(60);
    double firstValid = rec.steps.get(4).validLoss();
    double lastValid = rec.steps.getLast().validLoss();
    assertThat(firstValid).isGreaterThan(1.5);
    assertThat(lastValid).isLessThan(0.5 * firstValid);
    assertThat(rec.steps.getLast().trainAccuracy()).isGreaterThan(0.8);
    assertThat(rec.steps.get(0).validated()).isFalse();
    assertThat(rec.steps.get(9).validated()).isTrue();
    assertThat(rec.summary.fullValidLoss()).isLessThan(0.5 * firstValid);
    assertThat(rec.summary.steps()).isEqualTo(60);
    assertThat(rec.summary.cancelled()).isFalse();
  }

  @Test
  void stepLossIsTheMeanOverTheStepsTrainedTokensWhateverTheMicroBatches() {
    List<TrainingExample> step = train.subList(0, 6);
    BigramModel a = new BigramModel(VOCAB, 3);
    BigramModel b = new BigramModel(VOCAB, 3);
    BigramModel c = new BigramModel(VOCAB, 3);
    StepOutcome big =
        new SupervisedObjective(new MicroBatcher(1000, true)).accumulateGradients(a, step);
    StepOutcome small =
        new SupervisedObjective(new MicroBatcher(16, true)).accumulateGradients(b, step);
    StepOutcome padded =
        new SupervisedObjective(new MicroBatcher(30, false)).accumulateGradients(c, step);
    long trained = step.stream().mapToLong(TrainingExample::trainedTokens).sum();
    assertThat(big.trainedTokens()).isEqualTo(trained);
    assertThat(small.loss()).isCloseTo(big.loss(), org.assertj.core.api.Assertions.within(1e-9));
    assertThat(padded.loss()).isCloseTo(big.loss(), org.assertj.core.api.Assertions.within(1e-9));
    for (int p = 0; p < 2; p++) {
      float[] ga = a.trainableParameters().get(p).grad();
      float[] gb = b.trainableParameters().get(p).grad();
      float[] gc = c.trainableParameters().get(p).grad();
      for (int i = 0; i < ga.length; i++) {
        assertThat(gb[i]).isCloseTo(ga[i], org.assertj.core.api.Assertions.within(1e-6f));
        assertThat(gc[i]).isCloseTo(ga[i], org.assertj.core.api.Assertions.within(1e-6f));
      }
    }
    // the gradient is that of the mean: doubling the step's examples (same data twice) keeps it
    BigramModel d = new BigramModel(VOCAB, 3);
    List<TrainingExample> twice = new ArrayList<>(step);
    twice.addAll(step);
    new SupervisedObjective(new MicroBatcher(1000, true)).accumulateGradients(d, twice);
    float[] ga = a.trainableParameters().get(0).grad();
    float[] gd = d.trainableParameters().get(0).grad();
    for (int i = 0; i < ga.length; i++) {
      assertThat(gd[i]).isCloseTo(ga[i], org.assertj.core.api.Assertions.within(1e-6f));
    }
  }

  @Test
  void sameSeedSameLossAtEveryStepOtherSeedOtherOrder() {
    List<Double> first = losses(42);
    List<Double> second = losses(42);
    List<Double> other = losses(43);
    assertThat(second).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
  }

  private List<Double> losses(long seed) {
    Recorder rec = new Recorder();
    trainer(new BigramModel(VOCAB, 3), config(2, 3), rec, null, 32)
        .run(train, valid, new SplittableRandom(seed));
    return rec.steps.stream().map(StepMetrics::trainLoss).toList();
  }

  @Test
  void resumingFromACheckpointEndsWithBitwiseTheSameWeights(@TempDir Path dir) throws Exception {
    TrainingConfig cfg = config(3, 7).withCheckpointEvery(4);
    BigramModel straight = new BigramModel(VOCAB, 3);
    Recorder all = new Recorder();
    trainer(straight, cfg, all, dir.resolve("a"), 32).run(train, valid, new SplittableRandom(5));
    // 40 examples / 7 = 6 steps per epoch: checkpoints at 4, 6 (epoch end), 8, 12 (end), 16, 18
    assertThat(all.checkpoints).containsExactly(4, 6, 8, 12, 16, 18);

    BigramModel interrupted = new BigramModel(VOCAB, 3);
    AtomicInteger polls = new AtomicInteger();
    Recorder part = new Recorder();
    new Trainer<>(
            interrupted,
            new SupervisedObjective(new MicroBatcher(32, true)),
            cfg,
            part,
            () -> polls.incrementAndGet() > 10,
            dir.resolve("b"))
        .run(train, valid, new SplittableRandom(5));
    assertThat(part.summary.cancelled()).isTrue();
    assertThat(part.summary.steps()).isEqualTo(10);
    assertThat(part.checkpoints).as("the stop checkpoints step 10").containsExactly(4, 6, 8, 10);

    for (int from : new int[] {6, 8, 10}) {
      BigramModel resumed = new BigramModel(VOCAB, 77); // other init: the checkpoint restores it
      TrainingCheckpoint c =
          TrainingCheckpoint.read(RunLayout.Checkpoint.in(dir.resolve("b"), from).dir());
      Recorder rest = new Recorder();
      trainer(resumed, cfg, rest, dir.resolve("c" + from), 32).resume(train, valid, c);
      assertThat(rest.steps.getFirst().step()).isEqualTo(from + 1);
      for (int p = 0; p < 2; p++) {
        assertThat(resumed.trainableParameters().get(p).value())
            .containsExactly(straight.trainableParameters().get(p).value());
      }
      assertThat(rest.steps.getLast().trainLoss()).isEqualTo(all.steps.getLast().trainLoss());
      assertThat(rest.summary.fullValidLoss()).isEqualTo(all.summary.fullValidLoss());
    }
    try (var files = Files.list(dir.resolve("b"))) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .allMatch(n -> n.startsWith("checkpoint-step-"));
    }
  }

  @Test
  void resumeRefusesADifferentRun(@TempDir Path dir) throws Exception {
    BigramModel model = new BigramModel(VOCAB, 3);
    trainer(model, config(1, 8), TrainingListener.NONE, dir, 32)
        .run(train, valid, new SplittableRandom(1));
    TrainingCheckpoint c = TrainingCheckpoint.read(RunLayout.Checkpoint.in(dir, 5).dir());
    assertThatThrownBy(
            () ->
                trainer(new BigramModel(VOCAB, 3), config(2, 8), TrainingListener.NONE, null, 32)
                    .resume(train, valid, c))
        .hasMessageContaining("checkpoint was taken with");
    assertThatThrownBy(
            () ->
                trainer(new BigramModel(VOCAB, 3), config(1, 8), TrainingListener.NONE, null, 32)
                    .resume(train.subList(0, 30), valid, c))
        .hasMessageContaining("same training file");
  }

  @Test
  void metricsCsvHasOpenAisColumnsAndEmptyCellsWithoutValidation() {
    StringWriter csv = new StringWriter();
    trainer(new BigramModel(VOCAB, 3), config(1, 10), new MetricsCsv(csv), null, 32)
        .run(train, valid, new SplittableRandom(1));
    String[] lines = csv.toString().split("\n");
    assertThat(lines[0])
        .startsWith("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy,");
    assertThat(lines).hasSize(5);
    assertThat(lines[1]).matches("1,\\d+\\.\\d{5},\\d\\.\\d{5},,,,,.*");
    assertThat(lines[4])
        .matches(
            "4,\\d+\\.\\d{5},\\d\\.\\d{5},\\d+\\.\\d{5},\\d\\.\\d{5},\\d+\\.\\d{5},\\d\\.\\d{5},.*");
  }

  @Test
  void anEmptyTrainingSetIsRefused() {
    assertThatThrownBy(
            () ->
                trainer(new BigramModel(VOCAB, 3), config(1, 1), TrainingListener.NONE, null, 32)
                    .run(List.of(), valid, new SplittableRandom(1)))
        .hasMessageContaining("no usable example");
  }
}
