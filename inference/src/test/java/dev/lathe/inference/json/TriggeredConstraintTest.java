package dev.lathe.inference.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.inference.TokenConstraint;
import dev.lathe.tokenizer.HfTokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Free text with tool calls held to a schema, over the real Qwen3 vocabulary: before the trigger
 * nothing is masked; right after {@code <tool_call>} a token that would finish the trigger and run
 * on is masked; after the trigger every random walk through the mask writes a call that validates,
 * and the text is free again once the call's document is complete.
 */
class TriggeredConstraintTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String CALL =
      """
      {"anyOf": [
        {"type": "object",
         "properties": {"name": {"const": "get_weather"},
                        "arguments": {"type": "object",
                                      "properties": {"city": {"type": "string"},
                                                     "unit": {"enum": ["c", "f"]}},
                                      "required": ["city", "unit"],
                                      "additionalProperties": false}},
         "required": ["name", "arguments"], "additionalProperties": false},
        {"type": "object",
         "properties": {"name": {"const": "get_time"}, "arguments": {"type": "object"}},
         "required": ["name", "arguments"], "additionalProperties": false}]}
      """;

  @Test
  void callsAfterTheTriggerValidateAndTheTextAroundThemStaysFree() throws Exception {
    HfTokenizer qwen = RealTokenizers.load("qwen3");
    JsonNode schema = JSON.readTree(CALL);
    JsonConstraint calls =
        JsonConstraint.of(JsonGrammar.fromSchema(schema, new JsonLimits(2, 24, 3, 6, 6)), qwen);
    TriggeredConstraint constraint = new TriggeredConstraint(calls, "<tool_call>\n", qwen);
    int vocabulary = qwen.vocabularySize();
    boolean[] stops = new boolean[vocabulary];
    int toolCall = qwen.encodeWithSpecials("<tool_call>", false)[0];
    int newline = qwen.encode("\n")[0];
    int twoNewlines = qwen.encode("\n\n")[0];
    SplittableRandom random = new SplittableRandom(9);
    for (int walk = 0; walk < 20; walk++) {
      TokenConstraint.State state = constraint.start(stops, 10_000);
      float[] logits = new float[vocabulary];
      for (int id : qwen.encode("Let me look that up. ")) {
        state.mask(logits);
        assertThat(logits).as("free text: nothing masked").doesNotContain(Float.NEGATIVE_INFINITY);
        state.accept(id);
      }
      state.mask(logits);
      state.accept(toolCall);
      java.util.Arrays.fill(logits, 0f);
      state.mask(logits);
      assertThat(logits[twoNewlines])
          .as("runs past the trigger")
          .isEqualTo(Float.NEGATIVE_INFINITY);
      assertThat(logits[newline]).isZero();
      state.accept(newline);

      ByteArrayOutputStream document = new ByteArrayOutputStream();
      int steps = 0;
      while (true) {
        java.util.Arrays.fill(logits, 0f);
        state.mask(logits);
        int token = pick(logits, random);
        state.accept(token);
        document.writeBytes(calls.tokenBytes(token));
        steps++;
        if (JsonMatcher.start(calls.grammar()).advance(document.toByteArray())
                instanceof JsonMatcher m
            && m.isComplete()
            && !m.canContinue()) {
          break;
        }
        assertThat(steps).as("a bounded document").isLessThan(400);
      }
      JsonNode call =
          IndependentCheck.assertValid(
              document.toString(StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8), schema);
      assertThat(call.get("name").asText()).isIn("get_weather", "get_time");
      java.util.Arrays.fill(logits, 0f);
      state.mask(logits);
      assertThat(logits).as("free again after the call").doesNotContain(Float.NEGATIVE_INFINITY);
      assertThat(state.finished()).isFalse();
    }
  }

  /** A uniformly random allowed token. */
  private static int pick(float[] logits, SplittableRandom random) {
    int allowed = 0;
    for (float v : logits) {
      allowed += v == Float.NEGATIVE_INFINITY ? 0 : 1;
    }
    int k = random.nextInt(allowed);
    for (int id = 0; id < logits.length; id++) {
      if (logits[id] != Float.NEGATIVE_INFINITY && k-- == 0) {
        return id;
      }
    }
    throw new AssertionError("nothing allowed");
  }
}
