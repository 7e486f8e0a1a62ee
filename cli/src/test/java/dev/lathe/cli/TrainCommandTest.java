package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {

  static String example(int i) {
    return "{\"messages\":[{\"role\":\"user\",\"content\":\"Count to "
        + i
        + "\"},{\"role\":\"assistant\",\"content\":\"I can count to "
        + i
        + ".\"}]}\n";
  }

  @Test
  void trainsLoraOnTinyStoriesAndWritesResultsAdapterAndMergedModel(@TempDir Path dir)
      throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    StringBuilder train = new StringBuilder();
    for (int i = 1; i <= 10; i++) {
      train.append(example(i));
    }
    Files.writeString(dir.resolve("train.jsonl"), train);
    Files.writeString(dir.resolve("valid.jsonl"), example(11) + example(12));
    Path out = dir.resolve("out");
    LatheRun run =
        LatheRun.of(
            "train",
            "--model",
            model.toString(),
            "--train",
            dir.resolve("train.jsonl").toString(),
            "--valid",
            dir.resolve("valid.jsonl").toString(),
            "--epochs",
            "1",
            "--batch-size",
            "auto",
            "--lora-rank",
            "4",
            "--seed",
            "7",
            "--eval-every",
            "5",
            "--out",
            out.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err())
        .contains("seed 7")
        .contains("hyperparameters: n_epochs=1 batch_size=1")
        .contains("step 10/10")
        .contains("tok/s")
        .contains("ETA");
    assertThat(run.out()).contains("trained 10 steps").contains("adapter: ");
    assertThat(Files.readAllLines(out.resolve("results.csv"))).hasSize(11);
    assertThat(out.resolve("adapter/adapter_model.safetensors")).exists();
    assertThat(out.resolve("merged/config.json")).exists();
    assertThat(out.resolve("checkpoints/checkpoint-step-10/state.json")).exists();
  }

  @Test
  void aFileWithErrorsIsRefusedWithTheValidatorsReport(@TempDir Path dir) throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    Files.writeString(dir.resolve("bad.jsonl"), "{\"messages\": [\n" + example(1));
    LatheRun run =
        LatheRun.of(
            "train",
            "--model",
            model.toString(),
            "--train",
            dir.resolve("bad.jsonl").toString(),
            "--out",
            dir.resolve("out").toString());
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("is not a valid training file").contains("bad.jsonl");
    assertThat(dir.resolve("out/results.csv")).doesNotExist();
  }

  @Test
  void badHyperparametersAreAnUnusableCall(@TempDir Path dir) throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    Files.writeString(dir.resolve("t.jsonl"), example(1));
    LatheRun run =
        LatheRun.of(
            "train",
            "--model",
            model.toString(),
            "--train",
            dir.resolve("t.jsonl").toString(),
            "--epochs",
            "many",
            "--out",
            dir.resolve("out").toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("--epochs must be a whole number or auto");
  }
}
