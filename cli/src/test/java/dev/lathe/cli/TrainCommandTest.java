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
        .containsPattern(
            "LoRA: frozen base weights held in (BF16|F32) \\(the checkpoint's dtype\\)")
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

  static String pair(int i) {
    return "{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"Count to "
        + i
        + "\"}]},\"preferred_output\":[{\"role\":\"assistant\",\"content\":\"I can count to "
        + i
        + ".\"}],\"non_preferred_output\":[{\"role\":\"assistant\",\"content\":\"No.\"}]}\n";
  }

  @Test
  void dpoTrainsOnPreferencePairsAndReportsTheRewards(@TempDir Path dir) throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    StringBuilder train = new StringBuilder();
    for (int i = 1; i <= 10; i++) {
      train.append(pair(i));
    }
    Files.writeString(dir.resolve("pairs.jsonl"), train);
    Files.writeString(dir.resolve("valid.jsonl"), pair(11) + pair(12));
    Path out = dir.resolve("out");
    LatheRun run =
        LatheRun.of(
            "train",
            "--dpo",
            "--beta",
            "0.2",
            "--model",
            model.toString(),
            "--train",
            dir.resolve("pairs.jsonl").toString(),
            "--valid",
            dir.resolve("valid.jsonl").toString(),
            "--epochs",
            "2",
            "--batch-size",
            "5",
            "--lora-rank",
            "4",
            "--seed",
            "7",
            "--eval-every",
            "2",
            "--out",
            out.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err())
        .contains("method dpo (beta 0.2)")
        .contains("reference log-probabilities of 12 pairs computed (adapters off)")
        .contains("step 4/4")
        .contains("reward acc");
    assertThat(run.out()).contains("trained 4 steps").contains("held-out rewards/accuracies");
    assertThat(Files.readAllLines(out.resolve("results.csv")))
        .hasSize(5)
        .first()
        .asString()
        .endsWith("valid_rewards/accuracies,valid_rewards/margins");
    assertThat(out.resolve("adapter/adapter_model.safetensors")).exists();
  }

  @Test
  void dpoOptionsAreChecked(@TempDir Path dir) throws Exception {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    StringBuilder chats = new StringBuilder();
    for (int i = 1; i <= 10; i++) {
      chats.append(example(i));
    }
    Files.writeString(dir.resolve("t.jsonl"), chats);
    String[] common = {
      "--model",
      model.toString(),
      "--train",
      dir.resolve("t.jsonl").toString(),
      "--out",
      dir.resolve("out").toString()
    };
    LatheRun beta = LatheRun.of(concat(new String[] {"train", "--dpo", "--beta", "3"}, common));
    assertThat(beta.exit()).isEqualTo(2);
    assertThat(beta.err()).contains("--beta must be in (0, 2], got 3.0");
    LatheRun noDpo = LatheRun.of(concat(new String[] {"train", "--beta", "0.5"}, common));
    assertThat(noDpo.exit()).isEqualTo(2);
    assertThat(noDpo.err()).contains("--beta applies to --dpo runs only");
    LatheRun chat = LatheRun.of(concat(new String[] {"train", "--dpo"}, common));
    assertThat(chat.exit()).isEqualTo(2);
    assertThat(chat.err())
        .contains("Input file t.jsonl is in the fine-tune-chat format")
        .contains("(provided method=dpo)");
  }

  @Test
  void aLlama2cCheckpointIsRefusedWithTheReason(@TempDir Path dir) throws Exception {
    Path bin = SharedAssets.require("models/llama2c-stories260K/stories260K.bin");
    Files.writeString(dir.resolve("t.jsonl"), example(1));
    LatheRun run =
        LatheRun.of(
            "train",
            "--model",
            bin.toString(),
            "--train",
            dir.resolve("t.jsonl").toString(),
            "--out",
            dir.resolve("out").toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("tokenizer.json").contains("generate/chat");
  }

  static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
