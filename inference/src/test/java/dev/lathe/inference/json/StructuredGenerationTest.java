package dev.lathe.inference.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.inference.FinishReason;
import dev.lathe.inference.GenerationRequest;
import dev.lathe.inference.GenerationResult;
import dev.lathe.inference.Generator;
import dev.lathe.inference.SamplingParams;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.tokenizer.Llama2cTokenizer;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.ModelLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Real models sampled at temperature 1 under a constraint: every output parses and validates, and
 * ends by the constraint ({@code stop}), never cut by {@code max_tokens} or the context. Under the
 * default limits a document may be far longer than stories260K's 512-token context; the constraint
 * closes it within the tokens left.
 */
class StructuredGenerationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SEEDS = 200;

  /** Objects, an enum, a string, an integer, an array, a nested object and an anyOf. */
  private static final String PERSON =
      """
      {"type": "object",
       "properties": {
         "mood": {"enum": ["happy", "sad", "angry"]},
         "name": {"type": "string", "description": "a first name"},
         "age": {"type": "integer"},
         "tags": {"type": "array", "items": {"type": "string"}},
         "pet": {"type": "object",
                 "properties": {"kind": {"enum": ["cat", "dog"]}, "legs": {"type": "integer"}},
                 "required": ["kind", "legs"], "additionalProperties": false},
         "note": {"anyOf": [{"type": "string"}, {"type": "null"}, {"type": "number"}]}},
       "required": ["mood", "name", "age", "tags", "pet", "note"],
       "additionalProperties": false}
      """;

  /** Small limits, for the scalars of TinyStories-656K. */
  private static final JsonLimits SMALL = new JsonLimits(2, 24, 3, 6, 4);

  @Test
  void stories260KWithByteFallbackWritesValidPersonsWithinItsContextOn200Seeds() throws Exception {
    Path dir = SharedAssets.require("models/llama2c-stories260K");
    LanguageModel model = ModelLoader.load(dir.resolve("stories260K.bin")).model();
    Llama2cTokenizer tokenizer = Llama2cTokenizer.load(dir.resolve("tok512.bin"));
    JsonNode schema = JSON.readTree(PERSON);
    JsonConstraint constraint =
        JsonConstraint.of(JsonGrammar.fromSchema(schema, JsonLimits.DEFAULTS), tokenizer);
    Set<String> distinct = new HashSet<>();
    for (int seed = 0; seed < SEEDS; seed++) {
      // half the seeds have the context's 512 tokens, half a max_tokens just above the minimum
      int maxTokens = seed % 2 == 0 ? 4000 : constraint.minimumTokens() + seed / 2;
      GenerationResult result =
          new Generator(model, tokenizer, () -> 0L)
              .generate(
                  new int[] {Llama2cTokenizer.BOS},
                  request(seed, Set.of(Llama2cTokenizer.EOS), maxTokens)
                      .withConstraint(constraint));
      assertThat(result.finishReason())
          .as("seed %d, max_tokens %d: %s", seed, maxTokens, result.text())
          .isEqualTo(FinishReason.STOP);
      assertThat(result.completionTokens()).isLessThanOrEqualTo(Math.min(maxTokens, 512));
      JsonNode person =
          IndependentCheck.assertValid(result.text().getBytes(StandardCharsets.UTF_8), schema);
      distinct.add(person.path("name").asText());
    }
    assertThat(distinct).as("temperature 1 varies the names").hasSizeGreaterThan(SEEDS / 4);
  }

  @Test
  void tinyStoriesVocabularyHasNoBraceSoObjectsAreRefusedByName() throws Exception {
    HfTokenizer tokenizer = RealTokenizers.load("tinystories");
    JsonGrammar person = JsonGrammar.fromSchema(JSON.readTree(PERSON), SMALL);
    assertThatThrownBy(() -> JsonConstraint.of(person, tokenizer))
        .isInstanceOf(JsonConstraintException.class)
        .hasMessageContaining("no token for the character '{' (U+007B)")
        .hasMessageContaining("a JSON object at /");
    assertThatThrownBy(() -> JsonConstraint.of(JsonGrammar.anyObject(SMALL), tokenizer))
        .hasMessageContaining("'{'");
  }

  @Test
  void tinyStories656KWritesValidScalarsOn200Seeds() throws Exception {
    Path dir = SharedAssets.require("models/hf-TinyStories-656K");
    LanguageModel model = ModelLoader.load(dir).model();
    HfTokenizer tokenizer = RealTokenizers.load("tinystories");
    JsonNode schema =
        JSON.readTree(
            """
            {"anyOf": [{"type": "integer"}, {"enum": ["yes", "no", "maybe"]},
                       {"type": "string"}, {"type": "boolean"}, {"type": "null"}]}
            """);
    JsonConstraint constraint = JsonConstraint.of(JsonGrammar.fromSchema(schema, SMALL), tokenizer);
    int[] prompt = tokenizer.encodeWithSpecials("", true);
    Set<Integer> stops = new HashSet<>();
    Arrays.stream(tokenizer.eosTokenIds()).forEach(stops::add);
    Set<String> kinds = new HashSet<>();
    for (int seed = 0; seed < SEEDS; seed++) {
      GenerationResult result =
          new Generator(model, tokenizer, () -> 0L)
              .generate(prompt, request(seed, stops, 512).withConstraint(constraint));
      assertThat(result.finishReason())
          .as("seed %d: %s", seed, result.text())
          .isEqualTo(FinishReason.STOP);
      JsonNode value =
          IndependentCheck.assertValid(result.text().getBytes(StandardCharsets.UTF_8), schema);
      kinds.add(value.getNodeType().name());
    }
    assertThat(kinds).as("several alternatives of the anyOf are taken").hasSizeGreaterThan(1);
  }

  private static GenerationRequest request(int seed, Set<Integer> stops, int maxTokens) {
    SamplingParams sampling = SamplingParams.DEFAULTS.withTemperature(1).withSeed(seed);
    return new GenerationRequest(
        sampling, maxTokens, java.util.List.of(), stops, false, Optional.empty());
  }
}
