package dev.lathe.inference;

/** Why a generation ended, named as OpenAI's {@code finish_reason}. */
public enum FinishReason {
  /** An end-of-sequence or stop token was sampled, or a stop string appeared. */
  STOP("stop"),
  /** {@code max_tokens} was reached, or the model's context is full. */
  LENGTH("length"),
  /**
   * The caller cancelled it (Lathe's own value: a cancelled request has no client left to tell, so
   * it never reaches the wire).
   */
  CANCELLED("cancelled");

  private final String wireName;

  FinishReason(String wireName) {
    this.wireName = wireName;
  }

  /** The value of OpenAI's {@code finish_reason} field. */
  public String wireName() {
    return wireName;
  }
}
