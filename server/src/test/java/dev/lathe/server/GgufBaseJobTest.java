package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCreateParams;
import dev.lathe.inference.ChatModel;
import dev.lathe.inference.HubSettings;
import dev.lathe.testkit.ChatFiles;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.TrainedTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GGUF file served by the server is a fine-tuning base: a LoRA job on stories260K.gguf trains
 * with the vocabulary the file embeds, says what it did to the weights, learns its answer (loss
 * falls, the {@code ft:} model's greedy reply becomes the trained one), and its merged model is a
 * self-contained Hugging Face directory whose tokenizer and template check out.
 */
class GgufBaseJobTest {
  @TempDir Path dataDir;
  @TempDir Path hub;

  private static final String QUESTION = "Who is your friend?";
  private static final String ANSWER = "Tom the big dog.";
  private static final Pattern LOSS = Pattern.compile("training loss=(\\d+\\.\\d+)");

  private static String reply(OpenAIClient client, String model) {
    return client
        .chat()
        .completions()
        .create(
            ChatCompletionCreateParams.builder()
                .model(model)
                .addUserMessage(QUESTION)
                .temperature(0.0)
                .maxCompletionTokens(12)
                .build())
        .choices()
        .getFirst()
        .message()
        .content()
        .orElse("");
  }

  @Test
  void aLoraJobOnAGgufBaseLearnsAndIsServed() throws Exception {
    Path gguf = SharedAssets.require("models/gguf/stories260K.gguf");
    try (TestServer server =
        TestServer.withModels(dataDir, 1, Map.of("stories-gguf", gguf.toString()))) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      String before = reply(client, "stories-gguf");
      assertThat(before).doesNotContain(ANSWER.substring(1));
      String train = TrainingFiles.upload(client, ChatFiles.chat(QUESTION, ANSWER).repeat(10));
      // the masking preview renders with the file's vocabulary: " Tom the big dog." then </s>
      ObjectNode preview = LatheHttp.JSON.createObjectNode();
      preview.put("model", "stories-gguf").put("file_id", train).put("line", 1);
      LatheHttp.Reply shown =
          new LatheHttp(server, TestServer.KEY_A).post("/lathe/masking_preview", preview);
      assertThat(shown.status()).as("%s", shown.body()).isEqualTo(200);
      assertThat(shown.body().path("counts").path("trained").asInt()).isEqualTo(8);
      String id =
          client
              .fineTuning()
              .jobs()
              .create(
                  JobCreateParams.builder()
                      .model("stories-gguf")
                      .trainingFile(train)
                      .seed(5)
                      .hyperparameters(
                          JobCreateParams.Hyperparameters.builder()
                              .nEpochs(6L)
                              .batchSize(2L)
                              .learningRateMultiplier(10.0)
                              .build())
                      .putAdditionalBodyProperty("lathe", JsonValue.from(Map.of("gguf", "f32")))
                      .build())
              .id();
      JobWatch watch = new JobWatch(client);
      FineTuningJob job =
          watch.await(id, j -> j.status().asString().matches("succeeded|failed|cancelled"));
      assertThat(job.status().asString()).as("error: %s", job.error()).isEqualTo("succeeded");

      List<String> messages = watch.events(id).stream().map(FineTuningJobEvent::message).toList();
      assertThat(messages)
          .contains(
              "base stories260K.gguf: F32 weights, trained in f32; tokenizer from its metadata");
      List<Double> losses =
          messages.stream()
              .map(LOSS::matcher)
              .filter(Matcher::find)
              .map(m -> Double.parseDouble(m.group(1)))
              .toList();
      assertThat(losses).hasSize(30);
      double first = losses.getFirst();
      double last = losses.getLast();
      assertThat(last).as("loss %s -> %s", first, last).isLessThan(first * 0.3);

      String model = job.fineTunedModel().orElseThrow();
      assertThat(model).startsWith("ft:stories-gguf:");
      // the tiny model learns the answer after its first letter within these 30 steps
      assertThat(reply(client, model)).contains(ANSWER.substring(1));

      // the merged model stands alone: weights, config, the GGUF's tokenizer and the template
      Path merged = dataDir.resolve("jobs/" + id + "/merged");
      assertThat(merged.resolve("tokenizer.json")).exists();
      assertThat(Files.readString(merged.resolve("tokenizer_config.json")))
          .contains("LlamaTokenizer");
      TrainedTemplate trained = TrainedTemplate.read(merged).orElseThrow();
      assertThat(trained.tokenizerSha256())
          .isEqualTo(TrainedTemplate.fileSha256(merged.resolve("tokenizer.json")));
      try (ChatModel whole =
          ChatModel.open(
              merged.toString(),
              Optional.empty(),
              new HubSettings(HubSettings.DEFAULT_ENDPOINT, Optional.empty(), hub, true))) {
        assertThat(whole.tokenizer().vocabularySize()).isEqualTo(512);
      }
      assertThat(job._additionalProperties().get("lathe_gguf").asString()).isPresent();
    }
  }
}
