package dev.lathe.inference.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The mask over a small explicit vocabulary: stops, specials, strings' fast path, the token budget,
 * refusals.
 */
class JsonConstraintTest {
  private static final int BUDGET = 1000;
  private static final String OBJECT_A =
      "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}},"
          + "\"required\":[\"a\"],\"additionalProperties\":false}";

  // ids: 0 special (no bytes), 1 EOS-like stop (no bytes), then text tokens
  private static final String[] TEXTS = {
    null, null, "{", "}", "\"", ":", ",", "1", "a", "ab", "\"}", " ", "\"a\":", "é", "\n", "[", "]",
    "true", "tr", "ue", "nu", "ll", "n", "u", "l", "t", "r", "e", "\\", "f", "s"
  };

  private static byte[][] vocabulary() {
    return Arrays.stream(TEXTS)
        .map(t -> t == null ? null : t.getBytes(StandardCharsets.UTF_8))
        .toArray(byte[][]::new);
  }

  private static JsonConstraint constraint(String schema, JsonLimits limits) throws Exception {
    return JsonConstraint.ofBytes(
        JsonGrammar.fromSchema(new ObjectMapper().readTree(schema), limits), vocabulary());
  }

  private static String allowed(JsonConstraint.Session s) {
    float[] logits = new float[TEXTS.length + 3]; // a model vocabulary padded past the tokenizer's
    s.mask(logits);
    StringBuilder out = new StringBuilder();
    for (int id = 0; id < logits.length; id++) {
      if (logits[id] != Float.NEGATIVE_INFINITY) {
        out.append(id < TEXTS.length && TEXTS[id] != null ? "[" + TEXTS[id] + "]" : "<" + id + ">");
      }
    }
    return out.toString();
  }

  @Test
  void masksFollowTheDocumentAndStopOnlyWhenComplete() throws Exception {
    JsonConstraint c = constraint(OBJECT_A, new JsonLimits(1, 8, 4, 4, 4));
    boolean[] stops = new boolean[TEXTS.length];
    stops[1] = true;
    JsonConstraint.Session s = c.start(stops, BUDGET);
    assertThat(allowed(s)).isEqualTo("[{][ ][\n]");
    s.accept(2);
    assertThat(allowed(s)).isEqualTo("[\"][ ][\"a\":][\n]");
    s.accept(12);
    assertThat(allowed(s)).isEqualTo("[1][ ][\n]");
    s.accept(7);
    assertThat(allowed(s)).isEqualTo("[}][1][ ][\n]");
    s.accept(3);
    assertThat(s.finished()).isTrue();
    assertThat(allowed(s)).isEqualTo("<1>"); // only the stop token
  }

  @Test
  void aTightBudgetAllowsOnlyTokensAfterWhichTheDocumentStillCloses() throws Exception {
    JsonConstraint c = constraint(OBJECT_A, new JsonLimits(1, 8, 4, 4, 4));
    assertThat(c.minimumTokens()).isEqualTo(7); // {"a":1}
    boolean[] stops = new boolean[TEXTS.length];
    stops[1] = true;
    JsonConstraint.Session s = c.start(stops, 7);
    assertThat(allowed(s)).isEqualTo("[{]"); // no room for whitespace
    for (int id : new int[] {2, 4, 8, 4, 5}) { // {"a": one byte a token
      s.accept(id);
    }
    assertThat(s.remaining()).isEqualTo(2);
    assertThat(allowed(s)).isEqualTo("[1]");
    s.accept(7);
    assertThat(allowed(s)).isEqualTo("[}]"); // no second digit
    s.accept(3);
    assertThat(s.finished()).isTrue();
  }

  @Test
  void aCompleteNumberIsFinishedOnceTheBudgetIsSpent() throws Exception {
    JsonConstraint.Session s =
        constraint("{\"type\":\"integer\"}", JsonLimits.DEFAULTS).start(new boolean[0], 2);
    assertThat(allowed(s)).isEqualTo("[1][ ][\n]");
    s.accept(7);
    assertThat(s.finished()).as("1 may go on with one token left").isFalse();
    assertThat(allowed(s)).isEqualTo("[1]");
    s.accept(7);
    assertThat(s.finished()).isTrue();
  }

  @Test
  void aBudgetBelowTheShortestDocumentIsRefusedAtTheStart() throws Exception {
    JsonConstraint c = constraint(OBJECT_A, JsonLimits.DEFAULTS);
    assertThatThrownBy(() -> c.start(new boolean[0], 6))
        .isInstanceOf(JsonConstraintException.class)
        .hasMessageContaining("is 7 bytes")
        .hasMessageContaining("only 6 are left")
        .hasMessageContaining("raise max_tokens or shorten the prompt");
  }

  @Test
  void insideStringsPlainTokensComeFromTheBitsetWithinTheLengthLimit() throws Exception {
    JsonConstraint c = constraint("{\"type\":\"string\"}", new JsonLimits(0, 3, 4, 4, 4));
    JsonConstraint.Session s = c.start(new boolean[0], BUDGET);
    s.accept(4); // "
    // every plain token of at most 3 bytes, the closing quote, the backslash; not "} nor \n
    assertThat(allowed(s))
        .isEqualTo(
            "[{][}][\"][:][,][1][a][ab][ ][é][[][]][tr][ue][nu][ll][n][u][l][t][r][e][\\][f][s]");
    s.accept(13); // é: 2 of 3 bytes used
    assertThat(allowed(s)).doesNotContain("[ab]", "[é]", "[\\]").contains("[a]", "[\"]");
  }

  @Test
  void aStopTokenThatIsAlsoTextIsNeverTakenMidDocument() throws Exception {
    JsonConstraint c = constraint("{\"type\":\"string\"}", JsonLimits.DEFAULTS);
    boolean[] stops = new boolean[TEXTS.length];
    stops[8] = true; // "a" as a stop token
    JsonConstraint.Session s = c.start(stops, BUDGET);
    s.accept(4);
    assertThat(allowed(s)).doesNotContain("[a]").contains("[ab]");
  }

  @Test
  void aTokenTheMaskRefusedCannotBeAccepted() throws Exception {
    JsonConstraint.Session s =
        constraint("{\"type\":\"integer\"}", JsonLimits.DEFAULTS).start(new boolean[0], BUDGET);
    assertThatThrownBy(() -> s.accept(8))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("token 8 cannot continue the JSON document");
  }

  @Test
  void aVocabularyWithoutAJsonCharacterIsRefusedNamingIt() throws Exception {
    assertThatThrownBy(
            () ->
                constraint(
                    "{\"type\":\"object\",\"properties\":{\"b\":{\"type\":\"null\"}}}",
                    JsonLimits.DEFAULTS))
        .isInstanceOf(JsonConstraintException.class)
        .hasMessageContaining("no token for the character 'b' (U+0062)")
        .hasMessageContaining("the key b at /");
  }
}
