package dev.lathe.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The OpenAI byte-pair encodings of the fine-tunable OpenAI models, and the mapping from a model
 * name to its encoding as tiktoken's {@code encoding_for_model} does it.
 *
 * <p>Model names are matched exactly first, then by prefix, so dated snapshots ({@code
 * gpt-4o-mini-2024-07-18}) and fine-tuned models ({@code ft:gpt-4o-mini-2024-07-18:org::id})
 * resolve to their base model's encoding. The table covers the models that OpenAI lets users
 * fine-tune, not every model tiktoken knows.
 */
public enum OpenAiEncoding {
  /** The GPT-3.5 / GPT-4 encoding, also used by {@code babbage-002} and {@code davinci-002}. */
  CL100K_BASE("cl100k_base", 100_277),
  /** The GPT-4o / GPT-4.1 / o-series encoding. */
  O200K_BASE("o200k_base", 200_019);

  /** Exact model names, checked before the prefixes. */
  private static final List<Rule> EXACT =
      List.of(
          new Rule("gpt-4.1", O200K_BASE),
          new Rule("gpt-4o", O200K_BASE),
          new Rule("gpt-4o-mini", O200K_BASE),
          new Rule("gpt-4", CL100K_BASE),
          new Rule("gpt-3.5-turbo", CL100K_BASE),
          new Rule("gpt-3.5", CL100K_BASE),
          new Rule("gpt-35-turbo", CL100K_BASE),
          new Rule("babbage-002", CL100K_BASE),
          new Rule("davinci-002", CL100K_BASE));

  /** Prefixes in the order tiktoken tries them: the longest, most specific first. */
  private static final List<Rule> PREFIXES =
      List.of(
          new Rule("gpt-4.1-", O200K_BASE),
          new Rule("gpt-4o-", O200K_BASE),
          new Rule("gpt-4-", CL100K_BASE),
          new Rule("gpt-3.5-turbo-", CL100K_BASE),
          new Rule("gpt-35-turbo-", CL100K_BASE),
          new Rule("ft:gpt-4.1", O200K_BASE),
          new Rule("ft:gpt-4o", O200K_BASE),
          new Rule("ft:gpt-4", CL100K_BASE),
          new Rule("ft:gpt-3.5-turbo", CL100K_BASE),
          new Rule("ft:davinci-002", CL100K_BASE),
          new Rule("ft:babbage-002", CL100K_BASE));

  private final String encodingName;
  private final int vocabularySize;

  OpenAiEncoding(String encodingName, int vocabularySize) {
    this.encodingName = encodingName;
    this.vocabularySize = vocabularySize;
  }

  /** tiktoken's name of the encoding, e.g. {@code cl100k_base}. */
  public String encodingName() {
    return encodingName;
  }

  /** Number of token ids, the special tokens included (tiktoken's {@code n_vocab}). */
  public int vocabularySize() {
    return vocabularySize;
  }

  /** The encoding named {@code name} ({@code cl100k_base} or {@code o200k_base}). */
  public static OpenAiEncoding byName(String name) {
    for (OpenAiEncoding encoding : values()) {
      if (encoding.encodingName.equals(name)) {
        return encoding;
      }
    }
    throw new IllegalArgumentException(
        "Unknown OpenAI encoding '" + name + "': use cl100k_base or o200k_base.");
  }

  /**
   * The encoding of the OpenAI model {@code model}.
   *
   * @throws IllegalArgumentException when the model is not a fine-tunable OpenAI model; the message
   *     lists the names and prefixes that are known
   */
  public static OpenAiEncoding forModel(String model) {
    String name = model == null ? "" : model.trim().toLowerCase(Locale.ROOT);
    for (Rule rule : EXACT) {
      if (rule.pattern.equals(name)) {
        return rule.encoding;
      }
    }
    for (Rule rule : PREFIXES) {
      if (name.startsWith(rule.pattern)) {
        return rule.encoding;
      }
    }
    throw new IllegalArgumentException(
        "Unknown OpenAI model '"
            + model
            + "': no tokenizer encoding is known for it. Known models: "
            + String.join(", ", knownModels())
            + " (a dated snapshot such as gpt-4o-mini-2024-07-18 or a fine-tuned 'ft:<base>:…'"
            + " name of those also works).");
  }

  /** Whether {@link #forModel} knows {@code model}. */
  public static boolean isKnownModel(String model) {
    try {
      forModel(model);
      return true;
    } catch (IllegalArgumentException unknown) {
      return false;
    }
  }

  /** The exact model names and the prefixes ({@code name*}) that {@link #forModel} accepts. */
  public static List<String> knownModels() {
    List<String> names = new ArrayList<>();
    for (Rule rule : EXACT) {
      names.add(rule.pattern);
    }
    for (Rule rule : PREFIXES) {
      names.add(rule.pattern + "*");
    }
    return names;
  }

  private record Rule(String pattern, OpenAiEncoding encoding) {}
}
