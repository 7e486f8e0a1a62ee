package dev.lathe.tokenizer;

import java.io.IOException;

/**
 * A fine-tune whose base's chat template, special tokens or tokenizer is no longer the one it was
 * trained with ({@link TrainedTemplate#requireSame}): serving it would render prompts it never saw.
 * The message names the model, the part, both hashes and what to do.
 */
public final class TemplateMismatchException extends IOException {

  /** What changed. */
  public enum Part {
    /** The chat template's Jinja source. */
    TEMPLATE("chat template", "template_sha256"),
    /** The special tokens the template writes (bos_token, eos_token, ...). */
    SPECIAL_TOKENS("special tokens", "template_sha256"),
    /** The tokenizer file itself ({@code tokenizer.json}). */
    TOKENIZER("tokenizer", "tokenizer_sha256");

    private final String words;
    private final String hashName;

    Part(String words, String hashName) {
      this.words = words;
      this.hashName = hashName;
    }

    /** The part in plain words. */
    public String words() {
      return words;
    }

    /** The name of the hash that covers it in {@value TrainedTemplate#FILE_NAME}. */
    public String hashName() {
      return hashName;
    }
  }

  private final String model;
  private final Part part;
  private final String trainedSha256;
  private final String currentSha256;

  /**
   * @param model the fine-tune (its name, or its directory)
   * @param part what changed
   * @param trainedSha256 the hash stored with the fine-tune
   * @param currentSha256 the hash of what would serve it now
   */
  public TemplateMismatchException(
      String model, Part part, String trainedSha256, String currentSha256) {
    super(
        "The fine-tune `"
            + model
            + "` was trained with another "
            + part.words()
            + " than its base has now ("
            + part.hashName()
            + " "
            + trainedSha256
            + " when trained, "
            + currentSha256
            + " now), so it would be served with prompts it never saw. Restore the base's"
            + " tokenizer files (tokenizer_config.json, chat_template.jinja,"
            + " special_tokens_map.json, tokenizer.json) as they were when it was trained, or"
            + " train the fine-tune again on the changed base.");
    this.model = model;
    this.part = part;
    this.trainedSha256 = trainedSha256;
    this.currentSha256 = currentSha256;
  }

  /** The fine-tune named in the message. */
  public String model() {
    return model;
  }

  /** What changed. */
  public Part part() {
    return part;
  }

  /** The hash stored with the fine-tune. */
  public String trainedSha256() {
    return trainedSha256;
  }

  /** The hash of what would serve it now. */
  public String currentSha256() {
    return currentSha256;
  }

  /** The same mismatch naming the fine-tune {@code name} (e.g. its API model id). */
  public TemplateMismatchException named(String name) {
    TemplateMismatchException e =
        new TemplateMismatchException(name, part, trainedSha256, currentSha256);
    e.initCause(this);
    return e;
  }
}
