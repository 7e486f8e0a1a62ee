package dev.lathe.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.tokenizer.TextTokenizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts the tokens of a training example the way OpenAI's cookbook does ({@code
 * num_tokens_from_messages} with {@code tokens_per_message=3}, {@code tokens_per_name=1}), for any
 * {@link TextTokenizer}.
 *
 * <p>Per message: 3, plus the tokens of every key's value (the role included), plus 1 when the key
 * is {@code name}; per example 3 more for the primed assistant reply. The cookbook encodes every
 * value as a string and so crashes on anything else; here:
 *
 * <ul>
 *   <li>a string value counts its tokens; a JSON {@code null} counts 0;
 *   <li>any other value ({@code weight}, {@code tool_calls}, {@code function_call}, an array of
 *       content parts) counts the tokens of its compact JSON text, e.g. {@code weight: 1} is the
 *       text {@code 1};
 *   <li>the example's {@code tools} and {@code functions} definitions, which the cookbook ignores,
 *       are added as the tokens of their compact JSON: they occupy the model's context too.
 * </ul>
 *
 * <p>Assistant tokens are the cookbook's {@code num_assistant_tokens_from_messages} (the tokens of
 * each assistant {@code content}) plus the tokens of its {@code tool_calls} and {@code
 * function_call}, since those are what the assistant is trained to produce. Trained tokens are the
 * assistant tokens of messages whose {@code weight} is 1 or absent.
 *
 * <p>Formats: a chat example counts its {@code messages}. A preference example counts {@code
 * input.messages}, then {@code preferred_output}, then {@code non_preferred_output} (or their
 * pre-2025 {@code *_completion} names), each message once, as one sequence; both outputs count as
 * assistant and trained tokens. A prompt/completion example counts the tokens of {@code prompt}
 * plus {@code completion} with no per-message overhead; the completion is its assistant part.
 *
 * <p>The counter never fails on malformed examples (validation reports those): parts of the wrong
 * shape count as their JSON text or are skipped. Thread-safe when the tokenizer is.
 */
public final class TokenCounter {

  /** The cookbook's {@code tokens_per_message}. */
  public static final int TOKENS_PER_MESSAGE = 3;

  /** The cookbook's {@code tokens_per_name}. */
  public static final int TOKENS_PER_NAME = 1;

  /** Tokens of the primed reply {@code <|start|>assistant<|message|>} added once per example. */
  public static final int REPLY_PRIMING_TOKENS = 3;

  /** Values that occur in almost every message, counted once per counter rather than per use. */
  private static final List<String> FREQUENT =
      List.of("system", "user", "assistant", "tool", "function", "developer", "0", "1");

  /** Most distinct system prompts and tool definitions remembered (see {@link #repeatedTokens}). */
  static final int MAX_REPEATED = 1024;

  /** Longest text (in chars) remembered; longer ones are counted every time. */
  static final int MAX_REPEATED_CHARS = 8192;

  private final TextTokenizer tokenizer;
  private final Map<String, Integer> frequent;
  private final ConcurrentHashMap<String, Integer> repeated = new ConcurrentHashMap<>();

  /** A counter using {@code tokenizer}. */
  public TokenCounter(TextTokenizer tokenizer) {
    this.tokenizer = Objects.requireNonNull(tokenizer, "tokenizer");
    Map<String, Integer> counts = new HashMap<>();
    for (String value : FREQUENT) {
      counts.put(value, tokenizer.countTokens(value));
    }
    this.frequent = Map.copyOf(counts);
  }

  /** The tokenizer counted with. */
  public TextTokenizer tokenizer() {
    return tokenizer;
  }

  /**
   * Counts {@code example}.
   *
   * @param format the file's format; null to infer it from the example's keys
   */
  public ExampleTokenCount count(DatasetFormat format, JsonNode example) {
    DatasetFormat resolved = format != null ? format : infer(example);
    return switch (resolved) {
      case CHAT -> countMessages(messagesOf(example.get("messages")), example);
      case PREFERENCE -> countPreference(example);
      case PROMPT_COMPLETION -> countPromptCompletion(example);
    };
  }

  /** Tokens of one JSON value: a string's tokens, 0 for null, else its compact JSON's tokens. */
  public long valueTokens(JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return 0;
    }
    String text = value.isTextual() ? value.textValue() : value.toString();
    if (text.length() <= 9) {
      Integer known = frequent.get(text);
      if (known != null) {
        return known;
      }
    }
    return text.isEmpty() ? 0 : tokenizer.countTokens(text);
  }

  /**
   * Tokens of a value that typically repeats in every example of a file: system prompts and tool
   * definitions. Their counts are remembered (at most {@value #MAX_REPEATED} texts of up to {@value
   * #MAX_REPEATED_CHARS} chars: at most 16 MiB, a few KiB in practice), so a file with one system
   * prompt tokenizes it once.
   */
  private long repeatedTokens(JsonNode value) {
    if (value == null || !(value.isTextual() || value.isContainerNode())) {
      return valueTokens(value);
    }
    String text = value.isTextual() ? value.textValue() : value.toString();
    if (text.length() > MAX_REPEATED_CHARS) {
      return tokenizer.countTokens(text);
    }
    Integer known = repeated.get(text);
    if (known != null) {
      return known;
    }
    int count = text.isEmpty() ? 0 : tokenizer.countTokens(text);
    if (repeated.size() < MAX_REPEATED) {
      repeated.putIfAbsent(text, count);
    }
    return count;
  }

  private ExampleTokenCount countPreference(JsonNode example) {
    JsonNode input = example.get("input");
    List<JsonNode> messages =
        new ArrayList<>(messagesOf(input == null ? null : input.get("messages")));
    messages.addAll(messagesOf(either(example, "preferred_output", "preferred_completion")));
    messages.addAll(
        messagesOf(either(example, "non_preferred_output", "non_preferred_completion")));
    return countMessages(messages, input);
  }

  private ExampleTokenCount countPromptCompletion(JsonNode example) {
    long prompt = valueTokens(example.get("prompt"));
    long completion = valueTokens(example.get("completion"));
    return new ExampleTokenCount(
        0, prompt + completion, completion, completion, false, false, false);
  }

  /** The cookbook formula over {@code messages}, plus the tools found on {@code toolsHolder}. */
  private ExampleTokenCount countMessages(List<JsonNode> messages, JsonNode toolsHolder) {
    long tokens = 0;
    long assistant = 0;
    long trained = 0;
    boolean hasSystem = false;
    boolean hasUser = false;
    for (JsonNode message : messages) {
      tokens += TOKENS_PER_MESSAGE;
      if (!message.isObject()) {
        tokens += valueTokens(message);
        continue;
      }
      String role = message.path("role").asText("");
      boolean system = role.equals("system") || role.equals("developer");
      long produced = 0; // content, tool_calls and function_call: what an assistant writes
      for (Map.Entry<String, JsonNode> field : message.properties()) {
        String key = field.getKey();
        long valueTokens =
            system && key.equals("content")
                ? repeatedTokens(field.getValue())
                : valueTokens(field.getValue());
        tokens += valueTokens;
        if (key.equals("name")) {
          tokens += TOKENS_PER_NAME;
        } else if (key.equals("content")
            || key.equals("tool_calls")
            || key.equals("function_call")) {
          produced += valueTokens;
        }
      }
      hasSystem |= role.equals("system");
      hasUser |= role.equals("user");
      if (role.equals("assistant")) {
        assistant += produced;
        if (isTrained(message.get("weight"))) {
          trained += produced;
        }
      }
    }
    tokens += REPLY_PRIMING_TOKENS;
    if (toolsHolder != null && toolsHolder.isObject()) {
      tokens +=
          repeatedTokens(toolsHolder.get("tools")) + repeatedTokens(toolsHolder.get("functions"));
    }
    return new ExampleTokenCount(
        messages.size(), tokens, assistant, trained, hasSystem, hasUser, true);
  }

  /** Weight absent, null or above 0 (Lathe scales the loss by a fraction) trains; 0 does not. */
  private static boolean isTrained(JsonNode weight) {
    return weight == null || weight.isNull() || (weight.isNumber() && weight.doubleValue() > 0);
  }

  private static JsonNode either(JsonNode example, String name, String legacyName) {
    JsonNode value = example.get(name);
    return value != null ? value : example.get(legacyName);
  }

  private static List<JsonNode> messagesOf(JsonNode array) {
    if (array == null || !array.isArray()) {
      return List.of();
    }
    List<JsonNode> messages = new ArrayList<>(array.size());
    array.forEach(messages::add);
    return messages;
  }

  private static DatasetFormat infer(JsonNode example) {
    if (example.has("input")
        || example.has("preferred_output")
        || example.has("preferred_completion")) {
      return DatasetFormat.PREFERENCE;
    }
    if (!example.has("messages") && (example.has("prompt") || example.has("completion"))) {
      return DatasetFormat.PROMPT_COMPLETION;
    }
    return DatasetFormat.CHAT;
  }
}
