package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.ObjectMappers;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionTool;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import dev.lathe.testkit.SharedAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tool calling through the unchanged openai-java SDK, on a real model: TinyStories-656K fully
 * fine-tuned by a Lathe job on the ten examples of the shared tool-call dataset (20 epochs of batch
 * 1 at a high rate, as {@code ToolCallFineTuneTest} trains it directly). Its template-less chat
 * format is Lathe's plain one, whose {@code <call>} lines training renders and serving parses, so
 * asking it one of those questions with the same tools answers with {@code tool_calls}: whole, and
 * streamed as OpenAI streams calls (the SDK's accumulator rebuilds the same message); the follow-up
 * with the tool's result renders and is answered. What a tiny model shows: the format round-trips
 * through training and serving; it memorised ten examples and generalises nothing.
 */
class ToolCallingTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dataDir;

  @Test
  void aFineTuneOnToolCallsAnswersWithToolCallsWholeStreamedAndAfterTheResult() throws Exception {
    Path data = SharedAssets.require("datasets/real/toolcall-stock_validation.jsonl");
    try (TestServer server =
        new TestServer(
            dataDir,
            ServerConfig.DEFAULT_UPLOAD_LIMIT,
            1,
            TestDatabase.SQLITE,
            /* loraRank= */ 0)) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      String file = TrainingFiles.upload(client, Files.readAllBytes(data));
      String id =
          client
              .fineTuning()
              .jobs()
              .create(
                  JobCreateParams.builder()
                      .model("tinystories-656k")
                      .trainingFile(file)
                      .seed(11L)
                      .hyperparameters(
                          JobCreateParams.Hyperparameters.builder()
                              .nEpochs(20L)
                              .batchSize(1L)
                              .learningRateMultiplier(100.0)
                              .build())
                      .build())
              .id();
      FineTuningJob job =
          new JobWatch(client)
              .await(id, j -> j.status().asString().matches("succeeded|failed|cancelled"));
      assertThat(job.status().asString()).as("error: %s", job.error()).isEqualTo("succeeded");
      String model = job.fineTunedModel().orElseThrow();

      // the first example: a system message, a question, and a call of get_last_nday_stock_price
      JsonNode example = JSON.readTree(Files.readAllLines(data).getFirst());
      JsonNode messages = example.get("messages");
      List<ChatCompletionTool> tools = new ArrayList<>();
      for (JsonNode tool : example.get("tools")) {
        tools.add(ObjectMappers.jsonMapper().readValue(tool.toString(), ChatCompletionTool.class));
      }
      ChatCompletionCreateParams ask =
          ChatCompletionCreateParams.builder()
              .model(model)
              .addSystemMessage(messages.get(0).get("content").asText())
              .addUserMessage(messages.get(1).get("content").asText())
              .tools(tools)
              .temperature(0.0)
              .maxCompletionTokens(48L)
              .build();

      ChatCompletion whole = client.chat().completions().create(ask);
      ChatCompletion.Choice choice = whole.choices().getFirst();
      assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
      ChatCompletionMessageFunctionToolCall call =
          choice.message().toolCalls().orElseThrow().getFirst().asFunction();
      assertThat(call.id()).matches("call_[A-Za-z0-9]{24}");
      assertThat(call.function().name()).isEqualTo("get_last_nday_stock_price");
      JsonNode arguments = JSON.readTree(call.function().arguments());
      assertThat(arguments.has("symbol")).as(call.function().arguments()).isTrue();

      ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
      int callChunks = 0;
      try (StreamResponse<ChatCompletionChunk> stream =
          client.chat().completions().createStreaming(ask)) {
        for (ChatCompletionChunk chunk : stream.stream().toList()) {
          accumulator.accumulate(chunk);
          if (!chunk.choices().isEmpty()
              && chunk.choices().getFirst().delta().toolCalls().isPresent()) {
            callChunks++;
          }
        }
      }
      ChatCompletion.Choice streamed = accumulator.chatCompletion().choices().getFirst();
      assertThat(callChunks).as("the call arrives as deltas").isGreaterThanOrEqualTo(1);
      assertThat(streamed.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
      ChatCompletionMessageFunctionToolCall streamedCall =
          streamed.message().toolCalls().orElseThrow().getFirst().asFunction();
      assertThat(streamedCall.function().name()).isEqualTo(call.function().name());
      assertThat(streamedCall.function().arguments()).isEqualTo(call.function().arguments());
      assertThat(streamed.message().content()).isEqualTo(choice.message().content());

      // the follow-up: the assistant's call and the tool's result go back in
      ChatCompletion followUp =
          client
              .chat()
              .completions()
              .create(
                  ask.toBuilder()
                      .addMessage(choice.message())
                      .addMessage(
                          ChatCompletionToolMessageParam.builder()
                              .toolCallId(call.id())
                              .content("{\"high\": 412.5, \"low\": 405.1}")
                              .build())
                      .build());
      assertThat(followUp.choices()).hasSize(1);
      assertThat(followUp.usage().orElseThrow().promptTokens())
          .as("the call and the result are part of the prompt")
          .isGreaterThan(whole.usage().orElseThrow().promptTokens());
    }
  }

  @Test
  void badToolRequestsAreClientErrorsNamingTheField() throws Exception {
    try (TestServer server = new TestServer(dataDir)) {
      LatheHttp http = new LatheHttp(server, TestServer.KEY_A);
      String tool =
          "{\"type\":\"function\",\"function\":{\"name\":\"get_price\",\"parameters\":"
              + "{\"type\":\"object\",\"properties\":{\"symbol\":{\"type\":\"string\"}}}}}";
      String ask = "{\"role\":\"user\",\"content\":\"price?\"}";
      String[][] cases = {
        // body fields after model and messages, the param, a word of the message
        {"\"tools\":[{\"type\":\"function\",\"function\":{}}]", "tools[0].function.name", "name"},
        {"\"tools\":[{\"type\":\"retrieval\"}]", "tools[0].type", "function"},
        {"\"tools\":{}", "tools", "array"},
        {
          "\"tools\":["
              + tool
              + "],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"nope\"}}",
          "tool_choice.function.name",
          "nope"
        },
        {"\"tool_choice\":\"required\"", "tool_choice", "tools"},
        {"\"tools\":[" + tool + "],\"parallel_tool_calls\":\"yes\"", "parallel_tool_calls", "true"},
      };
      for (String[] c : cases) {
        LatheHttp.Reply reply =
            http.post(
                "/chat/completions",
                "{\"model\":\"tinystories-656k\",\"messages\":[" + ask + "]," + c[0] + "}");
        assertThat(reply.status()).as("%s: %s", c[0], reply.body()).isEqualTo(400);
        assertThat(reply.param()).as(c[0]).isEqualTo(c[1]);
        assertThat(reply.message()).as(c[0]).contains(c[2]);
      }
      // a tool message must answer a call made earlier in the conversation
      LatheHttp.Reply orphan =
          http.post(
              "/chat/completions",
              "{\"model\":\"tinystories-656k\",\"tools\":["
                  + tool
                  + "],\"messages\":["
                  + ask
                  + ",{\"role\":\"tool\",\"tool_call_id\":\"call_missing\",\"content\":\"1\"}]}");
      assertThat(orphan.status()).as("%s", orphan.body()).isEqualTo(400);
      assertThat(orphan.param()).isEqualTo("messages[1].tool_call_id");
      LatheHttp.Reply noId =
          http.post(
              "/chat/completions",
              "{\"model\":\"tinystories-656k\",\"messages\":["
                  + ask
                  + ",{\"role\":\"tool\",\"content\":\"1\"}]}");
      assertThat(noId.status()).isEqualTo(400);
      assertThat(noId.param()).isEqualTo("messages[1].tool_call_id");
    }
  }
}
