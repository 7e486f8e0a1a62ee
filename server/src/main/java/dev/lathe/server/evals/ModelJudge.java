package dev.lathe.server.evals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.server.chat.ChatCompletionRoutes;
import dev.lathe.server.evals.graders.Judge;
import dev.lathe.server.evals.graders.JudgeMessage;
import dev.lathe.server.evals.graders.JudgeReply;
import dev.lathe.server.evals.graders.JudgeSampling;
import dev.lathe.server.http.Caller;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The judge of model graders ({@code score_model}, {@code label_model}): any model the run's
 * project is served (a base, an alias or an {@code ft:} model), answering through the chat
 * completions path, with the grader's sampling settings. A refused request (an unknown model, a
 * prompt over the context) is an {@link dev.lathe.server.http.ApiException}, which grades the item
 * as errored.
 */
record ModelJudge(ChatCompletionRoutes chat, Caller caller, ObjectMapper json) implements Judge {

  @Override
  public JudgeReply complete(String model, List<JudgeMessage> messages, JudgeSampling sampling) {
    ObjectNode body = json.createObjectNode();
    body.put("model", model);
    ArrayNode m = body.putArray("messages");
    messages.forEach(x -> m.addObject().put("role", x.role()).put("content", x.content()));
    if (sampling != null) {
      if (sampling.temperature() != null) {
        body.put("temperature", sampling.temperature());
      }
      if (sampling.topP() != null) {
        body.put("top_p", sampling.topP());
      }
      if (sampling.maxCompletionTokens() != null) {
        body.put("max_completion_tokens", sampling.maxCompletionTokens());
      }
      if (sampling.seed() != null) {
        body.put("seed", sampling.seed());
      }
    }
    ObjectNode completion;
    try {
      completion = chat.reply(caller, body);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load the judge model " + model, e);
    }
    JsonNode usage = completion.get("usage");
    return new JudgeReply(
        completion.get("choices").get(0).get("message").path("content").asText(""),
        usage.get("prompt_tokens").asLong(),
        usage.get("completion_tokens").asLong());
  }
}
