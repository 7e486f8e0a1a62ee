package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import dev.lathe.transformer.ModelLoader;
import dev.lathe.transformer.train.BatchResult;
import dev.lathe.transformer.train.TokenBatch;
import dev.lathe.transformer.train.Training;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Full fine-tuning of TinyStories-656K: the loss falls and the merged export is the model. */
class FullFineTuneTest {

  @Test
  void fullFineTuningLearnsAndExportsTheTrainedWeights(@TempDir Path dir) throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    StringBuilder t = new StringBuilder();
    for (int i = 0; i < 12; i++) {
      t.append(
          "{\"messages\":[{\"role\":\"user\",\"content\":\"Say yes "
              + i
              + "\"},{\"role\":\"assistant\",\"content\":\"Yes, I will.\"}]}\n");
    }
    Files.writeString(dir.resolve("train.jsonl"), t);
    List<StepMetrics> steps = new ArrayList<>();
    FineTuneJob.Result r =
        new FineTuneJob(
                model,
                dir.resolve("train.jsonl"),
                null,
                dir.resolve("out"),
                FineTuneOptions.defaults()
                    .withEpochs(4)
                    .withBatchSize(4)
                    .withLearningRateMultiplier(50.0)
                    .withLoraRank(0)
                    .withSeed(3)
                    .withContextLength(64)
                    .withMicroBatchTokens(256)
                    .withPacked(false)
                    .withEvalEvery(100))
            .run(
                new TrainingListener() {
                  @Override
                  public void onStep(StepMetrics m) {
                    steps.add(m);
                  }
                },
                () -> false);
    assertThat(r.adapterDir()).isNull();
    assertThat(steps).hasSize(12);
    assertThat(steps.getLast().trainLoss()).isLessThan(0.5 * steps.getFirst().trainLoss());
    TokenBatch batch =
        new MicroBatcher(256, false).split(r.train().examples().subList(0, 4)).getFirst().batch();
    BatchResult inMemory = r.model().evaluate(batch);
    BatchResult reloaded = Training.full(ModelLoader.load(r.mergedDir())).evaluate(batch);
    assertThat(reloaded.segmentLogProb()).containsExactly(inMemory.segmentLogProb());
    BatchResult base = Training.full(ModelLoader.load(model)).evaluate(batch);
    assertThat(base.lossSum()).isGreaterThan(2 * inMemory.lossSum());
  }
}
