package dev.lathe.inference.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Checks a generated document without Lathe's own matcher: strict UTF-8, Jackson's parser (no
 * trailing content), and networknt's JSON Schema validator (draft 2020-12).
 */
final class IndependentCheck {
  private static final ObjectMapper STRICT =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final SchemaRegistry REGISTRY =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  private IndependentCheck() {}

  /** The parsed document; fails the test if it is not valid UTF-8 JSON valid against schema. */
  static JsonNode assertValid(byte[] document, JsonNode schema) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(document))
              .toString();
    } catch (CharacterCodingException e) {
      throw new AssertionError("not UTF-8: " + java.util.Arrays.toString(document), e);
    }
    JsonNode node;
    try {
      node = STRICT.readTree(text);
    } catch (Exception e) {
      return fail("Jackson cannot parse <" + text + ">: " + e.getMessage());
    }
    if (schema != null) {
      Schema validator = REGISTRY.getSchema(schema);
      assertThat(validator.validate(node)).as("<%s> against %s", text, schema).isEmpty();
    } else {
      assertThat(node.isObject()).as("<%s> is an object", text).isTrue();
    }
    return node;
  }

  /**
   * Fails unless {@code prefix} is the start of some JSON text, as Jackson's non-blocking parser
   * sees it (it reports a syntax error as soon as one is certain).
   */
  static void assertJsonPrefix(byte[] prefix) {
    try (com.fasterxml.jackson.core.JsonParser parser =
        STRICT.getFactory().createNonBlockingByteArrayParser()) {
      ((com.fasterxml.jackson.core.async.ByteArrayFeeder) parser.getNonBlockingInputFeeder())
          .feedInput(prefix, 0, prefix.length);
      while (parser.nextToken() != com.fasterxml.jackson.core.JsonToken.NOT_AVAILABLE) {
        // consume every token the bytes complete
      }
    } catch (java.io.IOException e) {
      fail(
          "<"
              + new String(prefix, StandardCharsets.UTF_8)
              + "> is no JSON prefix: "
              + e.getMessage());
    }
  }
}
