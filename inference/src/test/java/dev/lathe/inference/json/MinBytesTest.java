package dev.lathe.inference.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The shortest document per schema and the fewest bytes that complete one from a matcher state:
 * worked examples, and on random schemas and prefixes the answer of a breadth-first search over the
 * matcher's own states.
 */
class MinBytesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonLimits LIMITS = new JsonLimits(2, 12, 3, 4, 5);

  private static JsonGrammar grammar(String schema, JsonLimits limits) throws Exception {
    return JsonGrammar.fromSchema(JSON.readTree(schema), limits);
  }

  private static int shortest(String schema) throws Exception {
    return grammar(schema, JsonLimits.DEFAULTS).minBytes();
  }

  private static int toComplete(JsonGrammar g, String prefix) {
    JsonMatcher m = JsonMatcher.start(g).advance(prefix.getBytes(StandardCharsets.UTF_8));
    assertThat(m).as(prefix).isNotNull();
    return m.minBytesToComplete();
  }

  @Test
  void shortestDocumentsOfEachKindOfShape() throws Exception {
    assertThat(shortest("{\"type\":\"string\"}")).isEqualTo(2); // ""
    assertThat(shortest("{\"type\":\"number\"}")).isEqualTo(1); // 0
    assertThat(shortest("{\"type\":\"integer\"}")).isEqualTo(1);
    assertThat(shortest("{\"type\":\"boolean\"}")).isEqualTo(4); // true
    assertThat(shortest("{\"type\":\"null\"}")).isEqualTo(4);
    assertThat(shortest("{\"enum\":[\"abc\",\"x\",12345]}")).isEqualTo(3); // "x"
    assertThat(shortest("{\"const\":{\"k\":[1]}}")).isEqualTo(9); // {"k":[1]}
    assertThat(shortest("{\"type\":\"array\",\"items\":{\"type\":\"null\"}}")).isEqualTo(2);
    assertThat(shortest("{\"type\":\"object\"}")).isEqualTo(2); // free-form {}
    assertThat(shortest("{\"anyOf\":[{\"type\":\"null\"},{\"type\":\"integer\"}]}")).isEqualTo(1);
    assertThat(shortest("{\"type\":[\"boolean\",\"string\"]}")).isEqualTo(2);
    // required properties with their keys and commas; optional ones are left out
    assertThat(
            shortest(
                "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"},"
                    + "\"opt\":{\"type\":\"null\"},\"bb\":{\"type\":\"integer\"}},"
                    + "\"required\":[\"a\",\"bb\"]}"))
        .isEqualTo("{\"a\":\"\",\"bb\":0}".length());
    // recursion through $ref: the children array stays empty
    assertThat(
            shortest(
                "{\"$ref\":\"#/$defs/node\",\"$defs\":{\"node\":{\"type\":\"object\","
                    + "\"properties\":{\"value\":{\"type\":\"integer\"},\"children\":{\"type\":"
                    + "\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}}},"
                    + "\"required\":[\"value\",\"children\"]}}}"))
        .isEqualTo("{\"value\":0,\"children\":[]}".length());
  }

  @Test
  void atTheDepthLimitAChoiceTakesItsFlatOption() throws Exception {
    String schema =
        "{\"type\":\"array\",\"items\":{\"anyOf\":[{\"type\":\"array\"},{\"enum\":[\"abcdef\"]}]}}";
    JsonGrammar deep = grammar(schema, new JsonLimits(0, 8, 4, 4, 2));
    JsonGrammar flat = grammar(schema, new JsonLimits(0, 8, 4, 4, 1));
    assertThat(toComplete(deep, "[\"abcdef\",")).isEqualTo(3); // []]
    assertThat(toComplete(flat, "[\"abcdef\",")).isEqualTo(9); // "abcdef"]
  }

  @Test
  void partialTokensNeedTheirRest() throws Exception {
    JsonGrammar obj =
        grammar(
            "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"string\"},"
                + "\"bb\":{\"type\":\"number\"},\"cc\":{\"enum\":[\"xyz\",\"xy\"]}},"
                + "\"required\":[\"a\",\"bb\"]}",
            LIMITS);
    assertThat(toComplete(obj, "")).isEqualTo("{\"a\":\"\",\"bb\":0}".length());
    assertThat(toComplete(obj, " {")).isEqualTo("\"a\":\"\",\"bb\":0}".length());
    assertThat(toComplete(obj, "{\"a\":\"x")).isEqualTo("\",\"bb\":0}".length());
    assertThat(toComplete(obj, "{\"a\":\"\\")).isEqualTo("n\",\"bb\":0}".length());
    assertThat(toComplete(obj, "{\"a\":\"\\u0")).isEqualTo("000\",\"bb\":0}".length());
    byte[] lead = {'{', '"', 'a', '"', ':', '"', (byte) 0xE6}; // 2 of a character's bytes due
    assertThat(JsonMatcher.start(obj).advance(lead).minBytesToComplete())
        .isEqualTo(2 + "\",\"bb\":0}".length());
    assertThat(toComplete(obj, "{\"a\":\"\",\"b")).isEqualTo("b\":0}".length());
    assertThat(toComplete(obj, "{\"a\":\"\",\"bb\":-")).isEqualTo(2); // 0}
    assertThat(toComplete(obj, "{\"a\":\"\",\"bb\":1.")).isEqualTo(2);
    assertThat(toComplete(obj, "{\"a\":\"\",\"bb\":1e+")).isEqualTo(2);
    assertThat(toComplete(obj, "{\"a\":\"\",\"bb\":1")).isEqualTo(1);
    assertThat(toComplete(obj, "{\"a\":\"\",\"bb\":1,")).isEqualTo("\"cc\":\"xy\"}".length());
    assertThat(toComplete(obj, "{\"a\":\"\",\"bb\":1,\"cc\":\"x")).isEqualTo(3); // y"}
    assertThat(toComplete(obj, "{\"a\":\"\",\"bb\":1}")).isZero();
  }

  @Test
  void onRandomSchemasAndPrefixesItIsTheShortestCompletionTheMatcherAccepts() {
    RandomSchemas schemas = new RandomSchemas(7);
    SplittableRandom random = new SplittableRandom(7);
    int checked = 0;
    for (int i = 0; i < 24; i++) {
      JsonNode schema = i % 2 == 0 ? schemas.objectSchema() : schemas.anySchema();
      JsonMatcher m = JsonMatcher.start(JsonGrammar.fromSchema(schema, LIMITS));
      for (int step = 0; step < 48 && m != null; step++) {
        if (step % 5 == 0) {
          assertThat(m.minBytesToComplete())
              .as("after %d bytes of %s: %s", step, schema, m)
              .isEqualTo(shortestCompletion(m));
          checked++;
        }
        m = randomByte(m, random);
      }
    }
    assertThat(checked).isGreaterThan(100);
  }

  /** A random byte the matcher accepts (favouring ASCII), or null at the end of the document. */
  private static JsonMatcher randomByte(JsonMatcher m, SplittableRandom random) {
    List<JsonMatcher> next = new ArrayList<>();
    for (int b = 0; b < 256; b++) {
      JsonMatcher n = m.advance(b);
      if (n != null && (b < 0x80 || random.nextInt(8) == 0)) {
        next.add(n);
      }
    }
    return next.isEmpty() ? null : next.get(random.nextInt(next.size()));
  }

  /** Breadth-first over the matcher's states: the fewest bytes to a complete document. */
  private static int shortestCompletion(JsonMatcher start) {
    Set<JsonMatcher> seen = new HashSet<>(Set.of(start));
    List<JsonMatcher> frontier = List.of(start);
    for (int distance = 0; !frontier.isEmpty(); distance++) {
      List<JsonMatcher> next = new ArrayList<>();
      for (JsonMatcher m : frontier) {
        if (m.isComplete()) {
          return distance;
        }
        for (int b = 0; b < 256; b++) {
          JsonMatcher n = m.advance(b);
          if (n != null && seen.add(n)) {
            next.add(n);
          }
        }
      }
      frontier = next;
    }
    throw new AssertionError("no completion from " + start);
  }
}
