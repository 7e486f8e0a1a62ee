package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full-fine-tuning DPO run stopped mid-way and resumed: the reference log-probabilities, taken
 * from the weights before the first step, are read back from the checkpoints directory (not
 * recomputed from the moved weights), and the run ends with exactly the weights of one that never
 * stopped, bit for bit: the forward-only (evaluate) pass DPO uses for the reference and the
 * policy's coefficients gives the same bits on every call (see {@link RunDeterminismTest}), as the
 * supervised resume does ({@link ResumeBitwiseTest}).
 */
class DpoResumeTest {

  static FineTuneJob job(Path model, Path dir, Path out, boolean resume) {
    return new FineTuneJob(
        model,
        dir.resolve("pairs.jsonl"),
        null,
        out,
        FineTuneOptions.defaults()
            .withEpochs(2)
            .withBatchSize(4)
            .withLearningRateMultiplier(20.0)
            .withLoraRank(0)
            .withSeed(5)
            .withContextLength(64)
            .withMicroBatchTokens(256)
            .withEvalEvery(100)
            .withResume(resume));
  }

  @Test
  void stoppedAndResumedFullDpoEqualsUninterruptedBitForBit(@TempDir Path dir) throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    StringBuilder t = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      t.append(DpoTinyStoriesTest.pair("animal" + i));
    }
    Files.writeString(dir.resolve("pairs.jsonl"), t);
    FineTuneMethod<PreferenceExample> dpo = FineTuneMethod.dpo(0.1);

    FineTuneJob.Result straight =
        job(model, dir, dir.resolve("a"), false).run(dpo, TrainingListener.NONE, () -> false);
    assertThat(straight.summary().steps()).isEqualTo(6);

    // 3 steps per epoch: stop before step 5 (the stop checkpoints step 4), then resume
    AtomicInteger polls = new AtomicInteger();
    FineTuneJob.Result stopped =
        job(model, dir, dir.resolve("b"), false)
            .run(dpo, TrainingListener.NONE, () -> polls.incrementAndGet() > 4);
    assertThat(stopped.summary().cancelled()).isTrue();
    Path reference = dir.resolve("b/checkpoints/" + ReferenceLogProbs.FILE_NAME);
    assertThat(reference).isRegularFile();
    byte[] before = Files.readAllBytes(reference);
    FineTuneJob.Result resumed =
        job(model, dir, dir.resolve("b"), true).run(dpo, TrainingListener.NONE, () -> false);
    assertThat(resumed.summary().steps()).isEqualTo(6);
    assertThat(Files.readAllBytes(reference)).as("read back, not rewritten").isEqualTo(before);
    assertThat(Files.readAllBytes(dir.resolve("b/merged/model.safetensors")))
        .as("resumed vs uninterrupted")
        .isEqualTo(Files.readAllBytes(dir.resolve("a/merged/model.safetensors")));
    float[] end = weights(dir.resolve("b/merged/model.safetensors"));
    float[] atStop =
        weights(dir.resolve("b/checkpoints/checkpoint-step-4/merged/model.safetensors"));
    double moved = 0;
    for (int i = 0; i < end.length; i++) {
      moved = Math.max(moved, Math.abs(end[i] - atStop[i]));
    }
    assertThat(moved).as("steps 5 and 6 moved the weights").isGreaterThan(1e-4);
  }

  /** The f32 values of a safetensors file (after its header). */
  static float[] weights(Path file) throws Exception {
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    long header = bytes.getLong(0);
    FloatBuffer floats =
        bytes.position((int) (8 + header)).slice().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    float[] out = new float[floats.remaining()];
    floats.get(out);
    return out;
  }
}
