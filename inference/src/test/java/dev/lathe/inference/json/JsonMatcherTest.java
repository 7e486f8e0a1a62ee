package dev.lathe.inference.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The byte-level matcher: JSON's lexical rules, the limits, and no dead ends. */
class JsonMatcherTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonMatcher after(JsonGrammar g, String text) {
    return JsonMatcher.start(g).advance(text.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonGrammar grammar(String schema, JsonLimits limits) throws Exception {
    return JsonGrammar.fromSchema(JSON.readTree(schema), limits);
  }

  @Test
  void whitespaceIsBoundedPerGapAndNoneFollowsTheDocument() throws Exception {
    JsonGrammar g = grammar("{\"type\":\"array\"}", new JsonLimits(2, 8, 4, 4, 4));
    assertThat(after(g, "  [ \n1 ,\t2\r\n]")).isNotNull();
    assertThat(after(g, "   [")).isNull();
    assertThat(after(g, "[1   ,2]")).isNull();
    JsonMatcher done = after(g, "[]");
    assertThat(done.isComplete()).isTrue();
    assertThat(done.canContinue()).isFalse();
    assertThat(done.advance(' ')).isNull();
  }

  @Test
  void numbersFollowJsonGrammarWithinTheDigitLimit() throws Exception {
    JsonGrammar g = grammar("{\"type\":\"number\"}", new JsonLimits(0, 8, 4, 3, 4));
    for (String ok : List.of("0", "-0", "123", "-1.5", "0.125", "1e5", "1E+10", "2.5e-3")) {
      assertThat(after(g, ok)).as(ok).isNotNull().matches(JsonMatcher::isComplete);
    }
    for (String bad :
        List.of("01", "+1", ".5", "1.", "1e", "1234", "1.2345", "1e123", "-", "--1")) {
      JsonMatcher m = after(g, bad);
      assertThat(m == null || !m.isComplete()).as(bad).isTrue();
    }
    assertThat(after(g, "12").canContinue()).isTrue(); // a top-level number may go on
    assertThat(after(g, "123").advance('4')).isNull();
    JsonGrammar integer = grammar("{\"type\":\"integer\"}", JsonLimits.DEFAULTS);
    assertThat(after(integer, "1.")).isNull();
    assertThat(after(integer, "1e")).isNull();
  }

  @Test
  void stringsTakeEscapesAndUtf8ButNoControlsLoneSurrogatesOrBadBytes() throws Exception {
    JsonGrammar g = grammar("{\"type\":\"string\"}", new JsonLimits(0, 32, 4, 4, 4));
    for (String ok :
        List.of(
            "\"\"",
            "\"a\\\"b\"",
            "\"\\\\\\/\\b\\f\\n\\r\\t\"",
            "\"\\u00e9\\uFFFF\"",
            "\"é日本😀\"")) {
      assertThat(after(g, ok)).as(ok).isNotNull().matches(JsonMatcher::isComplete);
    }
    assertThat(after(g, "\"a\nb\"")).isNull(); // raw control character
    assertThat(after(g, "\"\\x\"")).isNull();
    assertThat(after(g, "\"\\ud800\"")).isNull(); // lone surrogate
    assertThat(after(g, "\"\\u12G")).isNull();
    JsonMatcher m = after(g, "\"");
    assertThat(m.advance(0x80)).isNull(); // continuation byte without a lead
    assertThat(m.advance(0xC0)).isNull(); // overlong lead
    assertThat(m.advance(0xE0).advance(0x80)).isNull(); // overlong 3-byte form
    assertThat(m.advance(0xED).advance(0xA0)).isNull(); // UTF-8 surrogate
    assertThat(m.advance(0xF5)).isNull();
  }

  @Test
  void stringLengthLimitReservesRoomForTheCharacterOrEscapeUnderWay() throws Exception {
    JsonGrammar g = grammar("{\"type\":\"string\"}", new JsonLimits(0, 4, 4, 4, 4));
    assertThat(after(g, "\"abcd\"")).isNotNull();
    assertThat(after(g, "\"abcde")).isNull();
    assertThat(after(g, "\"ab日")).isNull(); // 3 bytes do not fit in 2
    assertThat(after(g, "\"a日\"")).isNotNull();
    assertThat(after(g, "\"\\u")).isNull(); // \\uXXXX needs 6 bytes
    assertThat(after(g, "\"abc\\")).isNull(); // no escape fits in 1 byte
    assertThat(after(g, "\"ab\\n\"")).isNotNull();
  }

  @Test
  void arraysAndFreeObjectsStopAtTheItemLimit() throws Exception {
    JsonLimits limits = new JsonLimits(0, 8, 2, 4, 4);
    assertThat(after(grammar("{\"type\":\"array\"}", limits), "[1,2,")).isNull();
    assertThat(after(grammar("{\"type\":\"object\"}", limits), "{\"a\":1,\"b\":2,")).isNull();
  }

  @Test
  void depthLimitClosesRecursionInsteadOfDeadEnding() throws Exception {
    JsonGrammar g =
        grammar("{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}", new JsonLimits(0, 8, 4, 4, 3));
    assertThat(after(g, "[[[]]]")).isNotNull();
    assertThat(after(g, "[[[[")).isNull();
    assertThat(after(g, "[[[").advance(']')).isNotNull();
  }

  /**
   * Random byte-level walks over random schemas: wherever the document is incomplete some byte is
   * accepted, and every walk ends in a document Jackson parses and networknt validates.
   */
  @Test
  void everyAcceptedPrefixCanBeCompleted() throws Exception {
    RandomSchemas schemas = new RandomSchemas(7);
    SplittableRandom random = new SplittableRandom(7);
    JsonLimits limits = new JsonLimits(1, 6, 3, 3, 5);
    for (int i = 0; i < 300; i++) {
      JsonNode schema = i % 2 == 0 ? schemas.objectSchema() : schemas.anySchema();
      JsonMatcher m = JsonMatcher.start(JsonGrammar.fromSchema(schema, limits));
      ByteArrayOutputStream doc = new ByteArrayOutputStream();
      while (true) {
        List<Integer> next = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
          if (m.advance(b) != null) {
            next.add(b);
          }
        }
        if (m.isComplete() && (next.isEmpty() || random.nextInt(4) == 0)) {
          break;
        }
        assertThat(next).as("dead end after <%s> in %s", doc, schema).isNotEmpty();
        int b = next.get(random.nextInt(next.size()));
        m = m.advance(b);
        doc.write(b);
      }
      IndependentCheck.assertValid(doc.toByteArray(), schema);
    }
  }
}
