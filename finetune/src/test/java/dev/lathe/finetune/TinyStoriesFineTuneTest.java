package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lathe.finetune.tasks.GreedyAnswers;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.tokenizer.ChatTemplate;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelLoader;
import dev.lathe.transformer.train.BatchResult;
import dev.lathe.transformer.train.LlamaTrainer;
import dev.lathe.transformer.train.TokenBatch;
import dev.lathe.transformer.train.TrainableModel;
import dev.lathe.transformer.train.Training;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA fine-tuning of the real TinyStories-656K model on a small chat dataset in the plain format:
 * the losses fall, held-out prompts get answers in the trained format, and the exported adapter and
 * merged model reproduce the trained model.
 */
class TinyStoriesFineTuneTest {

  static final List<String> TRAIN_ANIMALS =
      List.of(
          "dog", "cat", "bird", "cow", "frog", "duck", "fish", "bear", "lion", "pig", "horse",
          "sheep", "bunny", "mouse", "owl", "fox");
  static final List<String> HELD_OUT = List.of("bee", "snake", "goat", "turtle");

  @TempDir static Path dir;
  static Path model;
  static FineTuneJob.Result result;
  static List<StepMetrics> steps = new ArrayList<>();
  static List<String> messages = new ArrayList<>();

  static String line(String animal) {
    return "{\"messages\":[{\"role\":\"user\",\"content\":\"What does the "
        + animal
        + " say?\"},{\"role\":\"assistant\",\"content\":\"The "
        + animal
        + " says hello to everyone!\"}]}\n";
  }

  @BeforeAll
  static void train() throws Exception {
    model = SharedAssets.require("models/hf-TinyStories-656K");
    StringBuilder t = new StringBuilder();
    TRAIN_ANIMALS.forEach(a -> t.append(line(a)));
    StringBuilder v = new StringBuilder();
    HELD_OUT.forEach(a -> v.append(line(a)));
    Files.writeString(dir.resolve("train.jsonl"), t);
    Files.writeString(dir.resolve("valid.jsonl"), v);
    FineTuneJob job =
        new FineTuneJob(
            model,
            dir.resolve("train.jsonl"),
            dir.resolve("valid.jsonl"),
            dir.resolve("out"),
            FineTuneOptions.defaults()
                .withEpochs(10)
                .withBatchSize(4)
                .withLearningRateMultiplier(25.0)
                .withLoraRank(8)
                .withSeed(1234)
                .withMicroBatchTokens(1024)
                .withEvalEvery(4));
    result = job.run(new RecordingListener(steps, messages), () -> false);
  }

  @Test
  void trainingAndValidationLossFall() {
    assertThat(steps).hasSize(40);
    double firstTrain =
        steps.subList(0, 4).stream().mapToDouble(StepMetrics::trainLoss).average().orElseThrow();
    double lastTrain =
        steps.subList(36, 40).stream().mapToDouble(StepMetrics::trainLoss).average().orElseThrow();
    List<StepMetrics> validated = steps.stream().filter(StepMetrics::validated).toList();
    assertThat(validated).hasSize(10);
    assertThat(lastTrain).isLessThan(0.5 * firstTrain);
    assertThat(validated.getLast().validLoss()).isLessThan(0.7 * validated.getFirst().validLoss());
    assertThat(result.summary().fullValidLoss()).isLessThan(validated.getFirst().validLoss());
    assertThat(messages).anySatisfy(m -> assertThat(m).startsWith("hyperparameters: n_epochs=10"));
    System.out.printf(
        "TinyStories LoRA: train loss %.3f -> %.3f, valid loss %.3f -> %.3f, full valid %.3f acc %.3f%n",
        firstTrain,
        lastTrain,
        validated.getFirst().validLoss(),
        validated.getLast().validLoss(),
        result.summary().fullValidLoss(),
        result.summary().fullValidAccuracy());
  }

  @Test
  void heldOutPromptsGetAnswersInTheTrainedFormat() throws Exception {
    LoadedModel merged = ModelLoader.load(result.mergedDir());
    try (HfTokenizer tokenizer = HfTokenizer.load(result.mergedDir())) {
      ChatTemplate plain = ChatTemplate.plain(tokenizer.eosToken());
      int eos = tokenizer.eosTokenIds()[0];
      int formatted = 0;
      for (String animal : HELD_OUT) {
        String prompt =
            plain.render(List.of(ChatMessage.user("What does the " + animal + " say?")), true);
        int[] body = tokenizer.encodeChat(prompt).ids();
        int[] ids = new int[body.length + 1];
        ids[0] = tokenizer.bosTokenId().getAsInt();
        System.arraycopy(body, 0, ids, 1, body.length);
        String answer = tokenizer.decode(greedy(merged.model(), ids, eos, 24), true);
        System.out.println("held-out " + animal + ": " + answer);
        if (answer.strip().startsWith("The ")
            && answer.strip().endsWith("says hello to everyone!")) {
          formatted++;
        }
      }
      assertThat(formatted).isGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void exportedAdapterAndMergedModelReproduceTheTrainedModel() throws Exception {
    assertThat(result.adapterDir().resolve("adapter_config.json"))
        .content()
        .contains(
            "\"peft_type\" : \"LORA\"",
            "\"r\" : 8",
            "\"lora_alpha\" : 16.0",
            "q_proj",
            "base_model_name_or_path");
    assertThat(result.mergedDir().resolve("tokenizer.json")).exists();
    TokenBatch batch =
        new MicroBatcher(1024, true)
            .split(result.train().examples().subList(0, 5))
            .getFirst()
            .batch();
    LlamaTrainer trained = (LlamaTrainer) result.model();
    BatchResult inMemory = trained.evaluate(batch);

    TrainableModel adapter = ModelExport.readAdapter(result.adapterDir(), ModelLoader.load(model));
    BatchResult reloaded = adapter.evaluate(batch);
    assertThat(reloaded.segmentLogProb()).containsExactly(inMemory.segmentLogProb());

    LoadedModel merged = ModelLoader.load(result.mergedDir());
    BatchResult fromMerged = Training.full(merged).evaluate(batch);
    for (int s = 0; s < batch.segmentCount(); s++) {
      assertThat(fromMerged.segmentLogProb()[s])
          .isCloseTo(inMemory.segmentLogProb()[s], within(1e-3));
    }
    // logits: the merged directory against the in-memory merged weights (float rounding aside)
    LlamaModel inMemoryMerged = new LlamaModel(trained.config(), trained.mergedWeights());
    int[] prompt = result.train().examples().getFirst().tokens();
    float[] a = new float[inMemoryMerged.vocabularySize()];
    float[] b = new float[a.length];
    inMemoryMerged.forward(prompt, 0, prompt.length, inMemoryMerged.newCache(prompt.length), a);
    merged.model().forward(prompt, 0, prompt.length, merged.model().newCache(prompt.length), b);
    for (int v = 0; v < a.length; v++) {
      assertThat(b[v]).isCloseTo(a[v], within(1e-4f * Math.max(1f, Math.abs(a[v]))));
    }
  }

  static int[] greedy(LanguageModel m, int[] prompt, int eos, int max) {
    return GreedyAnswers.tokens(m, prompt, eos, max);
  }
}
