package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With the real engine (TinyStories-656K, LoRA with dropout): a job stopped mid-run and resumed
 * from its last checkpoint writes exactly the same adapter as a job that never stopped, and the
 * same seed gives the same results file.
 */
class ResumeBitwiseTest {

  static FineTuneJob job(Path model, Path dir, Path out, boolean resume) {
    return new FineTuneJob(
        model,
        dir.resolve("train.jsonl"),
        null,
        out,
        FineTuneOptions.defaults()
            .withEpochs(3)
            .withBatchSize(4)
            .withLearningRateMultiplier(10.0)
            .withLoraRank(4)
            .withSeed(99)
            .withContextLength(64)
            .withMicroBatchTokens(256)
            .withEvalEvery(100)
            .withResume(resume));
  }

  @Test
  void stoppedAndResumedEqualsUninterruptedBitForBit(@TempDir Path dir) throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    StringBuilder t = new StringBuilder();
    for (int i = 0; i < 12; i++) {
      t.append(
          "{\"messages\":[{\"role\":\"user\",\"content\":\"Name a color "
              + i
              + "\"},{\"role\":\"assistant\",\"content\":\"Blue, like the sky number "
              + i
              + ".\"}]}\n");
    }
    Files.writeString(dir.resolve("train.jsonl"), t);

    FineTuneJob.Result straight =
        job(model, dir, dir.resolve("a"), false).run(TrainingListener.NONE, () -> false);
    FineTuneJob.Result again =
        job(model, dir, dir.resolve("b"), false).run(TrainingListener.NONE, () -> false);
    assertThat(straight.summary().steps()).isEqualTo(9);
    assertThat(Files.readString(dir.resolve("b/results.csv")))
        .isEqualTo(Files.readString(dir.resolve("a/results.csv")));
    assertThat(Files.readAllBytes(dir.resolve("b/adapter/adapter_model.safetensors")))
        .as("two uninterrupted runs with one seed")
        .isEqualTo(Files.readAllBytes(dir.resolve("a/adapter/adapter_model.safetensors")));

    // 3 steps per epoch: stop before step 5; the stop itself checkpoints step 4 (mid-epoch)
    AtomicInteger polls = new AtomicInteger();
    FineTuneJob.Result stopped =
        job(model, dir, dir.resolve("c"), false)
            .run(TrainingListener.NONE, () -> polls.incrementAndGet() > 4);
    assertThat(stopped.summary().cancelled()).isTrue();
    assertThat(stopped.adapterDir()).isNull();
    assertThat(dir.resolve("c/checkpoints/checkpoint-step-3")).isDirectory();
    assertThat(dir.resolve("c/checkpoints/checkpoint-step-4/state.json")).isRegularFile();
    assertThat(dir.resolve("c/checkpoints/checkpoint-step-4/adapter/adapter_config.json"))
        .as("every checkpoint is servable")
        .isRegularFile();
    FineTuneJob.Result resumed =
        job(model, dir, dir.resolve("c"), true).run(TrainingListener.NONE, () -> false);
    assertThat(resumed.summary().steps()).isEqualTo(9);
    assertThat(Files.readAllBytes(dir.resolve("c/adapter/adapter_model.safetensors")))
        .isEqualTo(Files.readAllBytes(dir.resolve("a/adapter/adapter_model.safetensors")));
    assertThat(Files.readAllBytes(dir.resolve("c/merged/model.safetensors")))
        .isEqualTo(Files.readAllBytes(dir.resolve("a/merged/model.safetensors")));
  }
}
