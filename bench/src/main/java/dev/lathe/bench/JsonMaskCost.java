package dev.lathe.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.inference.TokenConstraint;
import dev.lathe.inference.json.JsonConstraint;
import dev.lathe.inference.json.JsonGrammar;
import dev.lathe.inference.json.JsonLimits;
import dev.lathe.inference.json.JsonMatcher;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.LlamaConfig;
import dev.lathe.transformer.LlamaModel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The per-token cost of structured outputs against a plain decode step, in one process: a model of
 * SmolLM2-135M's shape (random weights, f32) with the Qwen3 vocabulary (its embedding and
 * classifier sized to it), and a JSON Schema constraint over that same 151,643-token vocabulary.
 *
 * <p>Decode: {@code --decode-steps} single-token forward passes after a 32-token prompt, per-step
 * median over {@code --repeat} runs (one warm-up first). Mask: a realistic document (an object with
 * an enum, numbers, an anyOf, an array of strings, a nested object and a 400-character free-text
 * string) tokenized by the Qwen3 tokenizer and replayed token by token through a fresh constraint
 * each run — per token: the mask written into a logits array of the model's size, the token
 * accepted, the end checked. The first run (an empty mask cache, the vocabulary index already
 * built) and the median over all runs are reported, as medians per token and as a share of the
 * decode step; also the same document under {@code json_object}. Both with a budget of the context
 * less the prompt (far from binding), and the schema again with the tightest budget the document
 * fits in, where the budget check bites near the end.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx3g -cp bench/target/benchmarks.jar \
 *   dev.lathe.bench.JsonMaskCost --tokenizer ../shared/tokenizers/qwen3/tokenizer.json.gz
 *   [--threads 2] [--repeat 5] [--decode-steps 16]
 * </pre>
 */
public final class JsonMaskCost {
  private JsonMaskCost() {}

  private static final String SCHEMA =
      """
      {"type": "object",
       "properties": {
         "name": {"type": "string"},
         "age": {"type": "integer"},
         "status": {"enum": ["active", "retired", "unknown"]},
         "occupation": {"anyOf": [{"type": "string"}, {"type": "null"}]},
         "languages": {"type": "array", "items": {"type": "string"}},
         "address": {"type": "object",
                     "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
                     "required": ["city", "country"], "additionalProperties": false},
         "rating": {"type": "number"},
         "bio": {"type": "string"}},
       "required": ["name", "age", "status", "occupation", "languages", "address", "rating", "bio"],
       "additionalProperties": false}
      """;

  private static final String DOCUMENT =
      "{\"name\": \"Ada Lovelace\", \"age\": 36, \"status\": \"retired\", \"occupation\":"
          + " \"mathematician\", \"languages\": [\"English\", \"French\", \"Italian\"],"
          + " \"address\": {\"city\": \"London\", \"country\": \"United Kingdom\"},"
          + " \"rating\": 4.75, \"bio\": \"Augusta Ada King, Countess of Lovelace, was an English"
          + " mathematician and writer chiefly known for her work on Charles Babbage's proposed"
          + " mechanical general-purpose computer, the Analytical Engine. She was the first to"
          + " recognise that the machine had applications beyond pure calculation, and published"
          + " the first algorithm intended to be carried out by such a machine. \\\"Poetical"
          + " science\\\" was her phrase.\"}";

  public static void main(String[] args) throws Exception {
    Path tokenizerPath = null;
    int threads = 2;
    int repeat = 5;
    int decodeSteps = 16;
    for (int i = 0; i + 1 < args.length; i += 2) {
      String v = args[i + 1];
      switch (args[i]) {
        case "--tokenizer" -> tokenizerPath = Path.of(v);
        case "--threads" -> threads = Integer.parseInt(v);
        case "--repeat" -> repeat = Integer.parseInt(v);
        case "--decode-steps" -> decodeSteps = Integer.parseInt(v);
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + " (--tokenizer --threads --repeat --decode-steps)");
      }
    }
    if (tokenizerPath == null || args.length % 2 != 0 || repeat < 1 || decodeSteps < 2) {
      throw new IllegalArgumentException(
          "usage: --tokenizer tokenizer.json[.gz] [--threads 2] [--repeat 5] [--decode-steps 16]");
    }
    System.setProperty("lathe.threads", Integer.toString(threads));
    HfTokenizer tokenizer = HfTokenizer.load(tokenizerPath);

    LlamaConfig s = RandomLlamaCheckpoint.config("smol135");
    LlamaConfig c =
        new LlamaConfig(
            s.dim(),
            s.hiddenDim(),
            s.layers(),
            s.heads(),
            s.kvHeads(),
            s.headDim(),
            tokenizer.vocabularySize(),
            s.contextLength(),
            s.normEps(),
            s.ropeTheta(),
            s.ropeScaling(),
            s.ropeStyle(),
            s.attentionBias(),
            s.outputBias(),
            s.qkNorm(),
            s.tiedEmbeddings());
    LlamaModel model = new LlamaModel(c, RandomLlamaCheckpoint.weights(c, 1));
    float[] logits = new float[model.vocabularySize()]; // (V)
    double decode = decodeStepMillis(model, logits, decodeSteps, repeat);

    long t0 = System.nanoTime();
    JsonGrammar schema =
        JsonGrammar.fromSchema(new ObjectMapper().readTree(SCHEMA), JsonLimits.DEFAULTS);
    JsonConstraint.of(schema, tokenizer); // builds and caches the vocabulary index
    double indexMillis = (System.nanoTime() - t0) / 1e6;
    int[] document = tokenizer.encode(DOCUMENT);

    System.out.printf(
        Locale.ROOT,
        "model smol135 shape, vocabulary %d (%s), f32, threads %d; vocabulary index built in"
            + " %.0f ms%n",
        c.vocabSize(),
        tokenizerPath.getFileName(),
        threads,
        indexMillis);
    System.out.printf(
        Locale.ROOT,
        "decode step median %.2f ms; load average %s%n",
        decode,
        java.nio.file.Files.readString(Path.of("/proc/loadavg")).trim());
    int roomy = c.contextLength() - 32;
    report("json_schema", schema, tokenizer, document, roomy, logits, repeat, decode);
    report(
        "json_object",
        JsonGrammar.anyObject(JsonLimits.DEFAULTS),
        tokenizer,
        document,
        roomy,
        logits,
        repeat,
        decode);
    int tight = tightestBudget(JsonConstraint.of(schema, tokenizer), document);
    report(
        "json_schema, tightest budget", schema, tokenizer, document, tight, logits, repeat, decode);
  }

  private static void report(
      String name,
      JsonGrammar grammar,
      HfTokenizer tokenizer,
      int[] document,
      int budget,
      float[] logits,
      int repeat,
      double decode) {
    double[] first = null;
    double[] medians = new double[repeat];
    double[] means = new double[repeat];
    for (int r = -1; r < repeat; r++) { // r == -1: warm-up
      double[] perToken = replay(JsonConstraint.of(grammar, tokenizer), document, budget, logits);
      if (r == 0) {
        first = perToken;
      }
      if (r >= 0) {
        medians[r] = median(perToken);
        means[r] = Arrays.stream(perToken).average().orElse(0);
      }
    }
    double m = median(medians);
    System.out.printf(
        Locale.ROOT,
        "%s: %d tokens, budget %d; mask+advance per token: first run median %.3f ms (mean %.3f, max %.3f),"
            + " median of %d runs %.3f ms = %.1f%% of a decode step (mean %.3f ms = %.1f%%)%n",
        name,
        document.length,
        budget,
        median(first),
        Arrays.stream(first).average().orElse(0),
        Arrays.stream(first).max().orElse(0),
        repeat,
        m,
        100 * m / decode,
        median(means),
        100 * median(means) / decode);
  }

  /**
   * The smallest token budget the constraint lets {@code document} through with: after each token,
   * the tokens left must cover the bytes that would still complete the document. Under it, the
   * per-token budget check bites over most of the document's end.
   */
  private static int tightestBudget(JsonConstraint constraint, int[] document) {
    JsonMatcher m = JsonMatcher.start(constraint.grammar());
    int budget = 0;
    for (int i = 0; i < document.length; i++) {
      m = m.advance(constraint.tokenBytes(document[i]));
      budget = Math.max(budget, i + 1 + m.minBytesToComplete());
    }
    return budget;
  }

  /** Milliseconds per token to mask, accept and check the end, replaying {@code document}. */
  private static double[] replay(
      JsonConstraint constraint, int[] document, int budget, float[] logits) {
    TokenConstraint.State state = constraint.start(new boolean[0], budget);
    double[] millis = new double[document.length];
    for (int i = 0; i < document.length; i++) {
      Arrays.fill(logits, 0f);
      long t0 = System.nanoTime();
      state.mask(logits);
      if (logits[document[i]] == Float.NEGATIVE_INFINITY) {
        throw new IllegalStateException("the mask refused token " + i + " of the document");
      }
      state.accept(document[i]);
      boolean finished = state.finished();
      millis[i] = (System.nanoTime() - t0) / 1e6;
      if (finished != (i == document.length - 1)) {
        throw new IllegalStateException("finished " + finished + " at token " + i);
      }
    }
    return millis;
  }

  private static double decodeStepMillis(LlamaModel model, float[] logits, int steps, int repeat) {
    int[] prompt = new int[32];
    for (int i = 0; i < prompt.length; i++) {
      prompt[i] = 1 + (i * 7919) % (model.vocabularySize() - 1);
    }
    KvCache cache = model.newCache(prompt.length + steps);
    double[] perStep = new double[repeat];
    int[] single = new int[1];
    for (int r = -1; r < repeat; r++) { // r == -1: warm-up
      cache.truncate(0);
      model.forward(prompt, 0, prompt.length, cache, logits);
      double[] times = new double[steps];
      for (int t = 0; t < steps; t++) {
        single[0] = (t * 31) % model.vocabularySize();
        long t0 = System.nanoTime();
        model.forward(single, 0, 1, cache, logits);
        times[t] = (System.nanoTime() - t0) / 1e6;
      }
      if (r >= 0) {
        perStep[r] = median(times);
      }
    }
    return median(perStep);
  }

  private static double median(double[] a) {
    double[] s = a.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
