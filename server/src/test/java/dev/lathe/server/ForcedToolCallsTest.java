package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tool_choice} {@code required} and a named function force a call on a model with a real
 * tool template (Qwen3's, on a random-weights Qwen3-shaped model): the call's opening is written
 * for the model, its arguments are held to the function's {@code parameters} schema by constrained
 * decoding over the 151,669-id vocabulary, and the reply is read back as {@code tool_calls} with
 * arguments that validate, whole and streamed. {@code required} picks the function the model finds
 * likeliest; a named one is that one.
 */
class ForcedToolCallsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String WEATHER =
      "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"},"
          + "\"unit\":{\"type\":\"string\",\"enum\":[\"c\",\"f\"]},\"days\":{\"type\":\"integer\"}},"
          + "\"required\":[\"city\",\"unit\",\"days\"],\"additionalProperties\":false}";
  private static final String STOCK =
      "{\"type\":\"object\",\"properties\":{\"symbol\":{\"type\":\"string\"}},"
          + "\"required\":[\"symbol\"],\"additionalProperties\":false}";

  @TempDir Path dir;

  @Test
  void aForcedCallsArgumentsValidateAgainstItsFunctionsSchema() throws Exception {
    Path qwen = TinyQwen.write(dir);
    try (TestServer server =
        TestServer.withModels(dir.resolve("data"), Map.of("tiny-qwen3", qwen.toString()))) {
      LatheHttp http = new LatheHttp(server, TestServer.KEY_A);
      String tools =
          "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"strict\":true,"
              + "\"parameters\":"
              + WEATHER
              + "}},{\"type\":\"function\",\"function\":{\"name\":\"get_stock\",\"parameters\":"
              + STOCK
              + "}}]";
      Map<String, JsonNode> schemas =
          Map.of("get_weather", JSON.readTree(WEATHER), "get_stock", JSON.readTree(STOCK));
      List<String> names = new ArrayList<>();
      for (String choice :
          List.of(
              "\"required\"",
              "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}",
              "{\"type\":\"function\",\"function\":{\"name\":\"get_stock\"}}")) {
        String body =
            "{\"model\":\"tiny-qwen3\",\"messages\":[{\"role\":\"user\",\"content\":\"Weather in"
                + " Paris?\"}],\"tools\":"
                + tools
                + ",\"tool_choice\":"
                + choice
                + ",\"temperature\":1,\"seed\":4,\"max_completion_tokens\":1500";
        LatheHttp.Reply reply = http.post("/chat/completions", body + "}");
        assertThat(reply.status()).as("%s", reply.body()).isEqualTo(200);
        JsonNode first = reply.body().at("/choices/0");
        assertThat(first.get("finish_reason").asText()).as("%s", first).isEqualTo("tool_calls");
        JsonNode call = first.at("/message/tool_calls/0");
        assertThat(call.get("id").asText()).startsWith("call_");
        String name = call.at("/function/name").asText();
        names.add(name);
        JsonNode arguments = JSON.readTree(call.at("/function/arguments").asText());
        assertThat(
                SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                    .getSchema(schemas.get(name))
                    .validate(arguments))
            .as("%s", arguments)
            .isEmpty();

        // streamed: the same call, assembled from OpenAI-shaped deltas
        StringBuilder args = new StringBuilder();
        String streamedName = null;
        String finish = null;
        for (JsonNode event : http.stream("/chat/completions", body + ",\"stream\":true}")) {
          JsonNode c = event.at("/choices/0");
          for (JsonNode d : c.at("/delta/tool_calls")) {
            if (d.at("/function/name").isTextual()) {
              streamedName = d.at("/function/name").asText();
            }
            args.append(d.at("/function/arguments").asText(""));
          }
          if (c.path("finish_reason").isTextual()) {
            finish = c.get("finish_reason").asText();
          }
        }
        assertThat(streamedName).isEqualTo(name);
        assertThat(args.toString()).isEqualTo(call.at("/function/arguments").asText());
        assertThat(finish).isEqualTo("tool_calls");
      }
      assertThat(names.subList(1, 3)).containsExactly("get_weather", "get_stock");
      assertThat(names.getFirst()).isIn("get_weather", "get_stock");
    }
  }
}
