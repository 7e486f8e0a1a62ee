package dev.lathe.finetune;

import dev.lathe.dataset.DatasetFormat;

/**
 * A valid training file of a format the job's method cannot train on: a chat or prompt/completion
 * file given to a DPO job (OpenAI's wording), or a preference file given to a supervised one.
 */
public final class WrongFormatException extends IllegalArgumentException {

  private final DatasetFormat format;
  private final String method;

  /**
   * @param file the file's name as the user knows it (a path, or a file id)
   * @param format the file's format
   * @param method the job's method type ({@code supervised} or {@code dpo})
   */
  public WrongFormatException(String file, DatasetFormat format, String method) {
    super(message(file, format, method));
    this.format = format;
    this.method = method;
  }

  /** The file's format. */
  public DatasetFormat format() {
    return format;
  }

  /** The job's method type. */
  public String method() {
    return method;
  }

  /** The message for {@code file}; for DPO it is OpenAI's, word for word. */
  public static String message(String file, DatasetFormat format, String method) {
    String name =
        switch (format) {
          case CHAT -> "fine-tune-chat";
          case PROMPT_COMPLETION -> "fine-tune-completion";
          case PREFERENCE -> "fine-tune-preference";
        };
    if (method.equals("supervised")) {
      return "Invalid file format. Input file "
          + file
          + " is in the "
          + name
          + " format, but the specified fine-tuning job is using 'supervised' as the training"
          + " method; preference (DPO) files need the method 'dpo'.";
    }
    return "Invalid file format. Input file "
        + file
        + " is in the "
        + name
        + " format, but the specified fine-tuning job is not using 'supervised' as the training"
        + " method (provided method="
        + method
        + ").";
  }
}
