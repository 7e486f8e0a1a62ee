package dev.lathe.inference;

/**
 * Restricts which tokens a generation may choose (constrained decoding, e.g. {@code
 * dev.lathe.inference.json.JsonConstraint} for structured outputs). The constraint itself is
 * immutable and may serve many generations; each generation {@linkplain #start starts} its own
 * {@link State}.
 *
 * <p>Each step the {@link Generator} asks the state to {@linkplain State#mask mask} the logits
 * (forbidden tokens get negative infinity) before choosing, then {@linkplain State#accept accepts}
 * the chosen token unless it is a stop token. When the state reports {@linkplain State#finished
 * finished}, generation ends with {@link FinishReason#STOP}. The state knows the generation's token
 * budget, so it can lead the output to its end before {@code max_tokens} or the context would cut
 * it ({@link FinishReason#LENGTH}).
 */
public interface TokenConstraint {

  /**
   * The fewest tokens any complete output may take, as the constraint counts them: a generation
   * with a smaller budget cannot be held to it.
   */
  int minimumTokens();

  /**
   * A fresh state for one generation. {@code stopsOn[id]} marks the request's stop tokens, which
   * the state allows only where the output may end. {@code budget} is the most tokens the
   * generation may produce (a stop token included; see {@link Generator#tokenBudget}): the state
   * then allows only tokens after which the output can still be completed within what is left.
   *
   * @throws IllegalArgumentException if {@code budget} is below {@link #minimumTokens()}
   */
  State start(boolean[] stopsOn, int budget);

  /** The constraint's progress through one generation. Not thread-safe. */
  interface State {

    /**
     * Sets {@code logits[id]} to negative infinity for every token that may not come next. {@code
     * logits} has one entry per model id (possibly more than the tokenizer has).
     *
     * @throws IllegalStateException if no token at all may come next
     */
    void mask(float[] logits);

    /** Moves past {@code token}, which {@link #mask} allowed. */
    void accept(int token);

    /** Whether the output is complete and nothing may follow it (within the budget). */
    boolean finished();
  }
}
