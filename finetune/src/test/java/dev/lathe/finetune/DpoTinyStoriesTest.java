package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.tokenizer.ChatTemplate;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SFT then DPO on the real TinyStories-656K model (plain template): the SFT model learns two answer
 * styles equally ("The X is happy and plays all day." / "The X is sad and goes home."); DPO from
 * that model (chaining: the SFT job's merged directory is both the start and the reference) on
 * pairs preferring the happy answer raises the reward accuracy on held-out pairs well above 0.5,
 * and greedy answers to held-out prompts become happy.
 */
class DpoTinyStoriesTest {

  static final List<String> TRAIN =
      List.of(
          "dog", "cat", "bird", "cow", "frog", "duck", "fish", "bear", "lion", "pig", "horse",
          "sheep", "bunny", "mouse", "owl", "fox");
  static final List<String> HELD_OUT = List.of("bee", "snake", "goat", "turtle");

  @TempDir static Path dir;
  static Path sft;
  static FineTuneJob.Result dpo;
  static List<StepMetrics> steps = new ArrayList<>();
  static List<String> messages = new ArrayList<>();

  static String question(String animal) {
    return "How is the " + animal + " today?";
  }

  static String happy(String animal) {
    return "The " + animal + " is happy and plays all day.";
  }

  static String sad(String animal) {
    return "The " + animal + " is sad and goes home.";
  }

  static String chat(String animal, String answer) {
    return "{\"messages\":[{\"role\":\"user\",\"content\":\""
        + question(animal)
        + "\"},{\"role\":\"assistant\",\"content\":\""
        + answer
        + "\"}]}\n";
  }

  static String pair(String animal) {
    return "{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\""
        + question(animal)
        + "\"}]},\"preferred_output\":[{\"role\":\"assistant\",\"content\":\""
        + happy(animal)
        + "\"}],\"non_preferred_output\":[{\"role\":\"assistant\",\"content\":\""
        + sad(animal)
        + "\"}]}\n";
  }

  static FineTuneJob job(
      Path model, Path train, Path valid, int epochs, int batch, double lr, Path out) {
    return new FineTuneJob(
        model,
        train,
        valid,
        out,
        FineTuneOptions.defaults()
            .withEpochs(epochs)
            .withBatchSize(batch)
            .withLearningRateMultiplier(lr)
            .withLoraRank(8)
            .withSeed(4321)
            .withMicroBatchTokens(1024)
            .withEvalEvery(5));
  }

  @BeforeAll
  static void train() throws Exception {
    Path base = SharedAssets.require("models/hf-TinyStories-656K");
    StringBuilder both = new StringBuilder();
    StringBuilder pairs = new StringBuilder();
    StringBuilder heldOut = new StringBuilder();
    for (String a : TRAIN) {
      // the SFT model leans to the sad answer (two of three examples)
      both.append(chat(a, sad(a))).append(chat(a, happy(a))).append(chat(a, sad(a)));
      pairs.append(pair(a));
    }
    HELD_OUT.forEach(a -> heldOut.append(pair(a)));
    Files.writeString(dir.resolve("both.jsonl"), both);
    Files.writeString(dir.resolve("pairs.jsonl"), pairs);
    Files.writeString(dir.resolve("held-out.jsonl"), heldOut);
    sft =
        job(base, dir.resolve("both.jsonl"), null, 6, 8, 25.0, dir.resolve("sft"))
            .run(TrainingListener.NONE, () -> false)
            .mergedDir();
    dpo =
        job(
                sft,
                dir.resolve("pairs.jsonl"),
                dir.resolve("held-out.jsonl"),
                6,
                4,
                10.0,
                dir.resolve("dpo"))
            .run(FineTuneMethod.dpo(0.1), new RecordingListener(steps, messages), () -> false);
  }

  @Test
  void heldOutRewardAccuracyRisesWellAboveChance() throws Exception {
    assertThat(steps).hasSize(24);
    StepMetrics first = steps.getFirst();
    StepMetrics last = steps.getLast();
    System.out.printf(
        "DPO TinyStories: train loss %.4f -> %.4f; held-out reward accuracy %s -> %s, margin %s"
            + " -> %s%n",
        first.trainLoss(),
        last.trainLoss(),
        first.validRewards(),
        last.validRewards().accuracy(),
        first.validRewards() == null ? "-" : first.validRewards().margin(),
        last.validRewards().margin());
    // the first step starts at the reference: every pair's loss is log 2
    assertThat(first.trainLoss())
        .isCloseTo(Math.log(2), org.assertj.core.api.Assertions.within(1e-4));
    assertThat(last.trainLoss()).isLessThan(0.5 * Math.log(2));
    assertThat(last.validRewards().accuracy()).isGreaterThanOrEqualTo(0.75);
    assertThat(last.validRewards().margin()).isPositive();
    assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("method dpo (beta 0.1)"));
    assertThat(messages)
        .anySatisfy(m -> assertThat(m).contains("reference log-probabilities of 20 pairs"));
    String csv = Files.readString(dir.resolve("dpo/results.csv"));
    assertThat(csv.lines().findFirst().orElseThrow())
        .endsWith(
            "rewards/chosen,rewards/rejected,rewards/accuracies,rewards/margins,"
                + "valid_rewards/accuracies,valid_rewards/margins");
    assertThat(csv.lines().count()).isEqualTo(25);
    assertThat(dir.resolve("dpo/checkpoints/reference-logprobs.json")).exists();
  }

  @Test
  void greedyAnswersToHeldOutPromptsTakeThePreferredStyle() throws Exception {
    int happySft = happyAnswers(sft, "SFT");
    int happyDpo = happyAnswers(dpo.mergedDir(), "DPO");
    assertThat(happySft).isLessThanOrEqualTo(1);
    assertThat(happyDpo).isGreaterThanOrEqualTo(3);
  }

  @Test
  void aChatFileGivenToADpoJobFailsWithOpenAisWording() {
    Path base = SharedAssets.require("models/hf-TinyStories-656K");
    assertThatThrownBy(
            () ->
                job(base, dir.resolve("both.jsonl"), null, 1, 1, 1.0, dir.resolve("wrong"))
                    .run(FineTuneMethod.dpo(0.1), TrainingListener.NONE, () -> false))
        .isInstanceOf(WrongFormatException.class)
        .hasMessage(
            "Invalid file format. Input file both.jsonl is in the fine-tune-chat format, but the"
                + " specified fine-tuning job is not using 'supervised' as the training method"
                + " (provided method=dpo).");
  }

  static int happyAnswers(Path modelDir, String label) throws Exception {
    LoadedModel m = ModelLoader.load(modelDir);
    try (HfTokenizer tokenizer = HfTokenizer.load(modelDir)) {
      ChatTemplate plain = ChatTemplate.plain(tokenizer.eosToken());
      int eos = tokenizer.eosTokenIds()[0];
      int happy = 0;
      for (String animal : HELD_OUT) {
        String prompt = plain.render(List.of(ChatMessage.user(question(animal))), true);
        int[] body = tokenizer.encodeChat(prompt).ids();
        int[] ids = new int[body.length + 1];
        ids[0] = tokenizer.bosTokenId().getAsInt();
        System.arraycopy(body, 0, ids, 1, body.length);
        String answer =
            tokenizer.decode(TinyStoriesFineTuneTest.greedy(m.model(), ids, eos, 24), true);
        System.out.println(label + " held-out " + animal + ": " + answer);
        if (answer.contains("happy")) {
          happy++;
        }
      }
      return happy;
    }
  }
}
