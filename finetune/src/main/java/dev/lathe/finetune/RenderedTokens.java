package dev.lathe.finetune;

/**
 * A rendered example token by token with who wrote each token, for showing what a run trains on:
 * the {@link TrainingExample} is exactly the one training renders for the same example (the same
 * code builds both), and {@link #trained(int)} is read from its targets, so the counts a preview
 * shows are the counts training trains.
 *
 * @param example the training example, as {@link ExampleRenderer#render} makes it
 * @param ids the sequence the example was made from as far as it was kept: {@code example.length()
 *     + 1} ids (the inputs, then the last target); a truncated example's cut tail is not here
 * @param roles per id: the message role whose content it belongs to ({@code system}, {@code user},
 *     {@code tool}, …), {@code assistant} for an assistant message's span (its content and the
 *     end-of-turn marker after it, trained or not), {@code template} for what the chat template or
 *     the renderer adds (role headers, separators, BOS), and for prompt/completion examples {@code
 *     prompt} or {@code completion} (the EOS after the completion included)
 */
public record RenderedTokens(TrainingExample example, int[] ids, String[] roles) {

  /** Validates. */
  public RenderedTokens {
    if (ids.length != example.length() + 1 || roles.length != ids.length) {
      throw new IllegalArgumentException(
          "an example of "
              + example.length()
              + " positions needs "
              + (example.length() + 1)
              + " ids and roles, got "
              + ids.length
              + " and "
              + roles.length);
    }
  }

  /** Whether the loss is taken on id {@code i} (predicted from the ids before it). */
  public boolean trained(int i) {
    return i > 0 && example.targets()[i - 1] >= 0;
  }
}
