package dev.lathe.inference.json;

import dev.lathe.inference.TokenConstraint;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.tokenizer.TextTokenizer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Structured outputs by constrained decoding: at every step, the tokens of the model's real
 * vocabulary that could not continue a document of the {@link JsonGrammar} are masked, so the
 * output always parses and (for a schema) validates.
 *
 * <p>It also closes within the generation's token budget ({@code max_tokens}, or what the context
 * leaves): a token is allowed only if, after it, the document can still be completed with one byte
 * per remaining token ({@link JsonMatcher#minBytesToComplete()}). One byte per token always
 * suffices, as {@link SpellingCheck} makes sure every byte a shortest completion needs is a token
 * of its own; so a model is never let into a value it cannot close, and near the end of its budget
 * it is led to close the document. The stop token needs no room: once the document is complete and
 * no token fits the budget, the state is {@linkplain State#finished finished} and the generation
 * stops there. A budget below the shortest document is refused at {@link #start}.
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
  private final Map<JsonMatcher, Mask> masks = new ConcurrentHashMap<>();
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

  /**
   * The fewest tokens a document may take as the budget counts them: one per byte of the shortest
   * document, which one-byte tokens can always write.
   */
  @Override
  public int minimumTokens() {
    return grammar.minBytes();
  }

  /**
   * @throws JsonConstraintException if {@code budget} is below {@link #minimumTokens()}
   */
  @Override
  public Session start(boolean[] stopsOn, int budget) {
    if (budget < minimumTokens()) {
      throw new JsonConstraintException(
          "the shortest document the JSON schema admits is "
              + minimumTokens()
              + " bytes, which may take as many tokens, but only "
              + budget
              + " are left: raise max_tokens or shorten the prompt");
    }
    return new Session(stopsOn, budget);
  }

  /**
   * The tokens that may follow the document prefix {@code matcher} has read and still leave a
   * document that closes within {@code limit} more bytes, as a bitset over token ids ({@code
   * mask[id >>> 6] >>> id & 1}); stop tokens are not included. Shared: do not modify.
   *
   * <p>Far from the limit this is the budget-free mask: outside strings the cached one, whose
   * {@link Mask#worst} says whether any of its tokens could pass the limit; inside a string the
   * plain-text bitset, whose tokens add at most the 3 bytes of an unfinished character to what the
   * string needs. Only near the limit is every token checked on the walk.
   */
  long[] allowed(JsonMatcher matcher, int limit) {
    Frame.Text text = matcher.readyText();
    if (text != null) { // inside a free-form string: no reuse, but mostly one bitset
      if (matcher.minBytesToComplete() + 3 <= limit) {
        long[] mask = vocabulary.plainFitting(text.remaining()).clone();
        vocabulary.special.walk(matcher, mask, limit);
        return mask;
      }
      return walked(matcher, limit);
    }
    Mask cached = masks.get(matcher);
    if (cached == null) {
      long[] bits = new long[vocabulary.words];
      cached = new Mask(bits, vocabulary.all.walk(matcher, bits, Integer.MAX_VALUE));
      if (masks.size() < cacheEntries) {
        masks.put(matcher, cached);
      }
    }
    return cached.worst() <= limit ? cached.bits() : walked(matcher, limit);
  }

  private long[] walked(JsonMatcher matcher, int limit) {
    long[] mask = new long[vocabulary.words];
    vocabulary.all.walk(matcher, mask, limit);
    return mask;
  }

  /** A budget-free mask and the most bytes any of its tokens leaves to complete the document. */
  private record Mask(long[] bits, int worst) {}

  /** One generation's progress through a document. */
  public final class Session implements State {
    private final boolean[] stopsOn;
    private JsonMatcher matcher = JsonMatcher.start(grammar);
    private int remaining; // tokens the generation may still produce, this step's included

    private Session(boolean[] stopsOn, int budget) {
      this.stopsOn = stopsOn.clone();
      this.remaining = budget;
    }

    /** The matcher after the tokens accepted so far. */
    public JsonMatcher matcher() {
      return matcher;
    }

    /** Tokens the generation may still produce, the next one included. */
    public int remaining() {
      return remaining;
    }

    /**
     * The tokens allowed next (stop tokens aside): those after which the document can still close
     * with one byte per remaining token. Shared: do not modify.
     */
    long[] allowed() {
      if (remaining <= 0) {
        throw new IllegalStateException("the token budget is spent; the generation has ended");
      }
      return JsonConstraint.this.allowed(matcher, remaining - 1);
    }

    @Override
    public void mask(float[] logits) {
      long[] allowed = allowed();
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
      remaining--;
    }

    /** Complete, and no token may follow within the budget (at its end, none at all). */
    @Override
    public boolean finished() {
      return matcher.isComplete() && (remaining <= 0 || isEmpty(allowed()));
    }
  }

  private static boolean isEmpty(long[] mask) {
    for (long word : mask) {
      if (word != 0) {
        return false;
      }
    }
    return true;
  }
}
