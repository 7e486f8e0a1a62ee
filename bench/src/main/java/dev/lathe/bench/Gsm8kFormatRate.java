package dev.lathe.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.finetune.FineTuneJob;
import dev.lathe.finetune.FineTuneOptions;
import dev.lathe.finetune.StepMetrics;
import dev.lathe.finetune.TrainingListener;
import dev.lathe.finetune.tasks.GreedyAnswers;
import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.tokenizer.ChatTemplate;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.ModelLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An experiment, not a test: how often a model's greedy answers to GSM8K validation questions end
 * in the {@code #### N} answer line, before and after LoRA supervised fine-tuning on the GSM8K
 * training file. It measures whether training teaches the answer format (a 656K-parameter story
 * model cannot do the arithmetic; the format is what it can learn).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *     dev.lathe.bench.Gsm8kFormatRate MODEL_DIR TRAIN VALID OUT [EPOCHS] [BATCH] [LR_MULT] [RANK]
 * </pre>
 */
public final class Gsm8kFormatRate {
  private Gsm8kFormatRate() {}

  private static final Pattern ANSWER = Pattern.compile("####\\s*-?[0-9][0-9,.]*\\s*$");
  private static final int MAX_NEW = 160;
  private static final int CONTEXT = 512;

  public static void main(String[] args) throws Exception {
    if (args.length < 4) {
      System.err.println(
          "usage: Gsm8kFormatRate MODEL_DIR TRAIN VALID OUT [EPOCHS] [BATCH] [LR_MULT] [RANK]");
      System.exit(2);
    }
    Path model = Path.of(args[0]);
    Path train = Path.of(args[1]);
    Path valid = Path.of(args[2]);
    Path out = Path.of(args[3]);
    int epochs = args.length > 4 ? Integer.parseInt(args[4]) : 2;
    int batch = args.length > 5 ? Integer.parseInt(args[5]) : 4;
    double lr = args.length > 6 ? Double.parseDouble(args[6]) : 5.0;
    int rank = args.length > 7 ? Integer.parseInt(args[7]) : 16;

    List<List<ChatMessage>> prompts = prompts(valid);
    double before = rate(model, prompts, "base");
    long t0 = System.nanoTime();
    List<StepMetrics> steps = new ArrayList<>();
    FineTuneJob job =
        new FineTuneJob(
            model,
            train,
            valid,
            out,
            FineTuneOptions.defaults()
                .withEpochs(epochs)
                .withBatchSize(batch)
                .withLearningRateMultiplier(lr)
                .withLoraRank(rank)
                .withSeed(1)
                .withContextLength(CONTEXT)
                .withMicroBatchTokens(2048)
                .withEvalEvery(25));
    FineTuneJob.Result r =
        job.run(
            new TrainingListener() {
              @Override
              public void onStep(StepMetrics m) {
                steps.add(m);
                if (m.validated()) {
                  System.err.printf(
                      Locale.ROOT,
                      "step %d/%d train %.4f valid %.4f%n",
                      m.step(),
                      m.totalSteps(),
                      m.trainLoss(),
                      m.validLoss());
                }
              }

              @Override
              public void onMessage(String message) {
                System.err.println(message);
              }
            },
            () -> false);
    double seconds = (System.nanoTime() - t0) / 1e9;
    double after = rate(r.mergedDir(), prompts, "tuned");
    long tokens = steps.stream().mapToLong(StepMetrics::tokens).sum();
    System.out.printf(
        Locale.ROOT,
        "steps %d in %.1f s (%.0f tok/s); first train loss %.4f, last %.4f; full valid loss %.4f,"
            + " accuracy %.4f%n",
        steps.size(),
        seconds,
        tokens / seconds,
        steps.getFirst().trainLoss(),
        steps.getLast().trainLoss(),
        r.summary().fullValidLoss(),
        r.summary().fullValidAccuracy());
    System.out.printf(
        Locale.ROOT,
        "answers ending in '#### N': before %.1f%%, after %.1f%% (of %d validation questions)%n",
        100 * before,
        100 * after,
        prompts.size());
  }

  /** The conversations of {@code file} up to (not including) their last assistant message. */
  private static List<List<ChatMessage>> prompts(Path file) throws IOException {
    ObjectMapper json = new ObjectMapper();
    List<List<ChatMessage>> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      if (line.isBlank()) {
        continue;
      }
      List<ChatMessage> messages = new ArrayList<>();
      for (JsonNode m : json.readTree(line).get("messages")) {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = json.convertValue(m, Map.class);
        messages.add(ChatMessage.fromMap(map));
      }
      while (!messages.isEmpty() && messages.getLast().role().equals("assistant")) {
        messages.removeLast();
      }
      out.add(messages);
    }
    return out;
  }

  private static double rate(Path modelDir, List<List<ChatMessage>> prompts, String label)
      throws IOException {
    LanguageModel m = ModelLoader.load(modelDir).model();
    int hits = 0;
    try (HfTokenizer tokenizer = HfTokenizer.load(modelDir)) {
      var own = ChatTemplate.of(tokenizer);
      ChatTemplate template = own.orElseGet(() -> ChatTemplate.plain(tokenizer.eosToken()));
      int eos = tokenizer.eosTokenIds()[0];
      for (int i = 0; i < prompts.size(); i++) {
        int[] body = tokenizer.encodeChat(template.render(prompts.get(i), true)).ids();
        int shift = own.isEmpty() && tokenizer.bosTokenId().isPresent() ? 1 : 0;
        int[] ids = new int[body.length + shift];
        if (shift == 1) {
          ids[0] = tokenizer.bosTokenId().getAsInt();
        }
        System.arraycopy(body, 0, ids, shift, body.length);
        if (ids.length > CONTEXT - MAX_NEW) {
          ids = java.util.Arrays.copyOfRange(ids, ids.length - (CONTEXT - MAX_NEW), ids.length);
        }
        String answer = tokenizer.decode(greedy(m, ids, eos), true).strip();
        if (ANSWER.matcher(answer).find()) {
          hits++;
        }
        if (i < 2) {
          System.err.println(label + " answer " + i + ": " + answer.replace('\n', ' '));
        }
      }
    }
    return (double) hits / prompts.size();
  }

  private static int[] greedy(LanguageModel m, int[] prompt, int eos) {
    return GreedyAnswers.tokens(m, prompt, eos, MAX_NEW);
  }
}
