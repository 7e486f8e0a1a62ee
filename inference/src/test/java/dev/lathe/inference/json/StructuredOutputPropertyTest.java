package dev.lathe.inference.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.tokenizer.HfTokenizer;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Property tests over the real tokenizers and random schemas: random walks that pick any allowed
 * token must never find the mask empty before the document is complete, every prefix they write
 * must be JSON as far as Jackson's incremental parser can tell, every finished document must parse
 * and validate under networknt's validator, and the trie-and-bitset mask must equal the brute force
 * answer (every token's bytes run through the matcher) wherever it is compared. With a token budget
 * just above the schema's shortest document, under limits that would admit far longer ones, every
 * walk must close its document within the budget, the brute force answer then keeping only the
 * tokens after which the document can still close in the tokens left.
 */
class StructuredOutputPropertyTest {
  private static final JsonLimits LIMITS = new JsonLimits(2, 12, 3, 4, 5);

  @ParameterizedTest
  @ValueSource(strings = {"gpt2", "llama3", "qwen3", "tinystories"})
  void randomWalksOverRandomSchemasWriteValidDocuments(String name) {
    HfTokenizer tokenizer = RealTokenizers.load(name);
    // TinyStories' vocabulary has no brackets: it can only write scalars, so it gets more of them
    boolean scalarsOnly = name.equals("tinystories");
    int schemas = scalarsOnly ? 60 : 25;
    SplittableRandom random = new SplittableRandom(name.hashCode());
    RandomSchemas generator = new RandomSchemas(name.hashCode());
    int walked = 0;
    int refused = 0;
    int bruteForce = 0;
    for (int i = 0; i < schemas; i++) {
      JsonNode schema =
          scalarsOnly || i % 3 == 2 ? generator.anySchema() : generator.objectSchema();
      JsonConstraint constraint;
      try {
        constraint = JsonConstraint.of(JsonGrammar.fromSchema(schema, LIMITS), tokenizer);
      } catch (JsonConstraintException e) {
        // only a vocabulary without some JSON character may refuse a schema from the subset
        assertThat(e.getMessage()).contains("has no token for");
        refused++;
        continue;
      }
      walked++;
      bruteForce += walk(constraint, schema, tokenizer, random, bruteForce < 12, Integer.MAX_VALUE);
    }
    System.out.printf(
        "%s: %d schemas walked, %d refused by the vocabulary, %d masks compared by brute force%n",
        name, walked, refused, bruteForce);
    assertThat(walked).isGreaterThanOrEqualTo(schemas / 4);
    assertThat(bruteForce).isPositive();
  }

  @ParameterizedTest
  @ValueSource(strings = {"gpt2", "llama3", "qwen3", "tinystories"})
  void randomWalksWithBudgetsJustAboveTheShortestDocumentAlwaysCloseIt(String name) {
    HfTokenizer tokenizer = RealTokenizers.load(name);
    boolean scalarsOnly = name.equals("tinystories");
    SplittableRandom random = new SplittableRandom(~name.hashCode());
    RandomSchemas generator = new RandomSchemas(~name.hashCode());
    int walks = 0;
    int bruteForce = 0;
    for (int i = 0; i < 30; i++) {
      JsonNode schema =
          scalarsOnly || i % 3 == 2 ? generator.anySchema() : generator.objectSchema();
      // the default limits admit documents far longer than these budgets: only the budget binds
      JsonConstraint constraint;
      try {
        constraint =
            JsonConstraint.of(JsonGrammar.fromSchema(schema, JsonLimits.DEFAULTS), tokenizer);
      } catch (JsonConstraintException e) {
        assertThat(e.getMessage()).contains("has no token for");
        continue;
      }
      for (int w = 0; w < 4; w++) {
        int budget = constraint.minimumTokens() + random.nextInt(w == 0 ? 1 : 16);
        bruteForce += walk(constraint, schema, tokenizer, random, bruteForce < 40, budget);
        walks++;
      }
    }
    System.out.printf(
        "%s: %d walks within budgets, %d masks compared by brute force%n", name, walks, bruteForce);
    assertThat(walks).isGreaterThanOrEqualTo(20);
    assertThat(bruteForce).isPositive();
  }

  /**
   * One random walk within {@code budget} tokens; returns how many masks it compared with brute
   * force.
   */
  private static int walk(
      JsonConstraint constraint,
      JsonNode schema,
      HfTokenizer tokenizer,
      SplittableRandom random,
      boolean compare,
      int budget) {
    JsonConstraint.Session session = constraint.start(new boolean[0], budget);
    ByteArrayOutputStream document = new ByteArrayOutputStream();
    List<Integer> ids = new ArrayList<>();
    int compared = 0;
    for (int step = 0; !session.finished(); step++) {
      assertThat(step).as("steps without finishing %s", schema).isLessThan(5000);
      JsonMatcher matcher = session.matcher();
      assertThat(step)
          .as("tokens within the budget of %d for %s", budget, schema)
          .isLessThan(budget);
      long[] mask = session.allowed();
      List<Integer> allowed = ids(mask);
      if (matcher.isComplete() && (allowed.isEmpty() || random.nextInt(3) == 0)) {
        break;
      }
      assertThat(allowed).as("mask after <%s> for %s", document, schema).isNotEmpty();
      if (compare && step % 5 == 1) {
        assertThat(allowed)
            .as("mask vs brute force after <%s>", document)
            .isEqualTo(brute(constraint, matcher, session.remaining() - 1));
        compared++;
      }
      for (int k = 0; k < 3; k++) { // a few allowed tokens: still a JSON prefix?
        byte[] candidate =
            concat(
                document.toByteArray(),
                constraint.tokenBytes(allowed.get(random.nextInt(allowed.size()))));
        IndependentCheck.assertJsonPrefix(candidate);
      }
      int token = allowed.get(random.nextInt(allowed.size()));
      session.accept(token);
      document.writeBytes(constraint.tokenBytes(token));
      ids.add(token);
    }
    byte[] bytes = document.toByteArray();
    IndependentCheck.assertValid(bytes, schema);
    // the bytes the mask reasons about are the text the tokenizer decodes
    int[] context = tokenizer.encode("a");
    int[] all = new int[context.length + ids.size()];
    System.arraycopy(context, 0, all, 0, context.length);
    for (int i = 0; i < ids.size(); i++) {
      all[context.length + i] = ids.get(i);
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    assertThat(tokenizer.decode(all)).isEqualTo(tokenizer.decode(context) + text);
    return compared;
  }

  /** Every token after which {@code matcher} still completes within {@code limit} bytes. */
  private static List<Integer> brute(JsonConstraint constraint, JsonMatcher matcher, int limit) {
    List<Integer> out = new ArrayList<>();
    for (int id = 0; constraint.tokenBytes(id) != null || id < 1_000_000; id++) {
      byte[] b = constraint.tokenBytes(id);
      if (b == null) {
        if (id > 300_000) {
          break;
        }
        continue;
      }
      JsonMatcher next = matcher.advance(b);
      if (next != null && next.minBytesToComplete() <= limit) {
        out.add(id);
      }
    }
    return out;
  }

  static List<Integer> ids(long[] mask) {
    List<Integer> out = new ArrayList<>();
    for (int w = 0; w < mask.length; w++) {
      for (long bits = mask[w]; bits != 0; bits &= bits - 1) {
        out.add(w * 64 + Long.numberOfTrailingZeros(bits));
      }
    }
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
