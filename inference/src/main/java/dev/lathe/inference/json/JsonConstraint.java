package dev.lathe.inference.json;

import dev.lathe.inference.TokenConstraint;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.tokenizer.TextTokenizer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Structured outputs by constrained decoding: at every step, the tokens of the model's real
 * vocabulary that could not continue a document of the {@link JsonGrammar} are masked, so the
 * output always parses and (for a schema) validates — unless {@code max_tokens} cuts it.
 *
 * <p>Each step the allowed tokens are found by walking a trie of the vocabulary's byte strings with
 * the {@link JsonMatcher}, pruning every subtree below a refused byte; inside a free-form string,
 * plain-text tokens are allowed from a precomputed bitset and only the rest is walked (see {@link
 * VocabularyIndex}). Masks of states outside strings repeat (after a key, between items) and are
 * cached per constraint. Stop tokens are allowed only where the document is complete; once nothing
 * can follow, the state is {@linkplain State#finished finished}. Special tokens never appear inside
 * a document.
 *
 * <p>Thread-safe: one constraint may serve concurrent generations.
 */
public final class JsonConstraint implements TokenConstraint {
  private static final long CACHE_BYTES = 32L << 20;

  private final JsonGrammar grammar;
  private final VocabularyIndex vocabulary;
  private final Map<JsonMatcher, long[]> masks = new ConcurrentHashMap<>();
  private final int cacheEntries;

  private JsonConstraint(JsonGrammar grammar, VocabularyIndex vocabulary) {
    this.grammar = grammar;
    this.vocabulary = vocabulary;
    this.cacheEntries = (int) Math.max(16, CACHE_BYTES / (8L * vocabulary.words));
  }

  /**
   * {@code grammar} over {@code tokenizer}'s vocabulary (indexed on first use, then cached).
   *
   * @throws JsonConstraintException if the vocabulary cannot write a character the documents need
   */
  public static JsonConstraint of(JsonGrammar grammar, TextTokenizer tokenizer) {
    VocabularyIndex vocabulary = VocabularyIndex.of(tokenizer);
    String name =
        tokenizer instanceof HfTokenizer hf ? hf.source() : tokenizer.getClass().getSimpleName();
    SpellingCheck.check(grammar, vocabulary, name);
    return new JsonConstraint(grammar, vocabulary);
  }

  /** Over explicit token bytes (tests, benchmarks): {@code tokenBytes[id]}, null if unusable. */
  static JsonConstraint ofBytes(JsonGrammar grammar, byte[][] tokenBytes) {
    VocabularyIndex vocabulary = VocabularyIndex.ofBytes(tokenBytes);
    SpellingCheck.check(grammar, vocabulary, "the given vocabulary");
    return new JsonConstraint(grammar, vocabulary);
  }

  public JsonGrammar grammar() {
    return grammar;
  }

  /** The bytes token {@code id} writes inside a document, or null if it never may. */
  public byte[] tokenBytes(int id) {
    return id >= 0 && id < vocabulary.size ? vocabulary.bytes[id] : null;
  }

  @Override
  public Session start(boolean[] stopsOn) {
    return new Session(stopsOn);
  }

  /**
   * The tokens that may follow the document prefix {@code matcher} has read, as a bitset over token
   * ids ({@code mask[id >>> 6] >>> id & 1}); stop tokens are not included. Shared: do not modify.
   */
  long[] allowed(JsonMatcher matcher) {
    Frame.Text text = matcher.readyText();
    if (text != null) { // inside a free-form string: no reuse, but mostly one bitset
      long[] mask = vocabulary.plainFitting(text.remaining()).clone();
      vocabulary.special.walk(matcher, mask);
      return mask;
    }
    long[] cached = masks.get(matcher);
    if (cached != null) {
      return cached;
    }
    long[] mask = new long[vocabulary.words];
    vocabulary.all.walk(matcher, mask);
    if (masks.size() < cacheEntries) {
      masks.put(matcher, mask);
    }
    return mask;
  }

  /** One generation's progress through a document. */
  public final class Session implements State {
    private final boolean[] stopsOn;
    private JsonMatcher matcher = JsonMatcher.start(grammar);

    private Session(boolean[] stopsOn) {
      this.stopsOn = stopsOn.clone();
    }

    /** The matcher after the tokens accepted so far. */
    public JsonMatcher matcher() {
      return matcher;
    }

    @Override
    public void mask(float[] logits) {
      long[] allowed = allowed(matcher);
      boolean complete = matcher.isComplete();
      boolean any = false;
      for (int id = 0; id < logits.length; id++) {
        boolean stop = id < stopsOn.length && stopsOn[id];
        boolean ok = stop ? complete : id < vocabulary.size && (allowed[id >>> 6] >>> id & 1L) != 0;
        if (!ok) {
          logits[id] = Float.NEGATIVE_INFINITY;
        } else {
          any |= logits[id] != Float.NEGATIVE_INFINITY;
        }
      }
      if (!any) {
        throw new IllegalStateException(
            "no token may continue the JSON document after "
                + matcher
                + (complete ? " (complete, but the request has no stop token)" : ""));
      }
    }

    @Override
    public void accept(int token) {
      byte[] bytes = tokenBytes(token);
      JsonMatcher next = bytes == null ? null : matcher.advance(bytes);
      if (next == null) {
        throw new IllegalStateException(
            "token " + token + " cannot continue the JSON document; the mask did not allow it");
      }
      matcher = next;
    }

    @Override
    public boolean finished() {
      return matcher.isComplete() && !matcher.canContinue();
    }
  }
}
