package dev.lathe.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.dataset.DatasetFormat;
import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.tokenizer.ChatTemplate;
import dev.lathe.tokenizer.ChatTemplateException;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.tokenizer.RenderedChat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Turns a supervised example (chat or prompt/completion JSON) into a {@link TrainingExample} with
 * its loss mask.
 *
 * <p>Chat: the conversation is rendered by the model's chat template ({@link RenderedChat}); the
 * loss is taken on each assistant message whose {@code weight} is above 0 (1 by default), including
 * the end-of-turn token that closes it, and on nothing else. Each trained token's loss is weighted
 * by its message's {@code weight} times the example's own {@code weight} (a Lathe extension; both 1
 * by default, both in [0, 1]; see {@link SupervisedObjective} for the mean). The plain template of
 * models without one ({@link ChatTemplate#PLAIN_SOURCE}) writes no BOS, so the model's BOS is put
 * in front, as {@code lathe chat} does when it prompts such a model.
 *
 * <p>Prompt/completion: BOS (when the model has one) + prompt tokens, then the completion tokens
 * and the EOS token, which are trained. Prompt and completion are tokenized separately, so the
 * boundary is always a token boundary.
 *
 * <p>Preference (DPO): {@link #renderPreference} renders the prompt followed by each answer as a
 * chat whose only trained span is that answer.
 *
 * <p>Sequences longer than the context are cut from the end (OpenAI's rule) and marked truncated.
 *
 * <p>{@link #renderTokens} and {@link #renderPreferredTokens} render the same way and also say who
 * wrote each token ({@link RenderedTokens}), for previews of what a run trains on.
 */
public final class ExampleRenderer {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final HfTokenizer tokenizer;
  private final ChatTemplate template;
  private final boolean addBos;
  private final int contextLength;

  /**
   * A renderer for a model's tokenizer and chat template.
   *
   * @param addBos whether the rendered chat text lacks the BOS (the plain template) so it is added
   * @param contextLength the model's training context: inputs are cut to this many tokens
   */
  public ExampleRenderer(
      HfTokenizer tokenizer, ChatTemplate template, boolean addBos, int contextLength) {
    if (contextLength < 1) {
      throw new IllegalArgumentException("context length must be positive, got " + contextLength);
    }
    this.tokenizer = tokenizer;
    this.template = template;
    this.addBos = addBos;
    this.contextLength = contextLength;
  }

  /** A renderer using the tokenizer's own template, or the plain template (with BOS) if none. */
  public static ExampleRenderer forTokenizer(HfTokenizer tokenizer, int contextLength) {
    var own = ChatTemplate.of(tokenizer);
    return new ExampleRenderer(
        tokenizer,
        own.orElseGet(() -> ChatTemplate.plain(tokenizer.eosToken())),
        own.isEmpty(),
        contextLength);
  }

  /** The chat template examples are rendered with (the tokenizer's, or the plain one). */
  public ChatTemplate template() {
    return template;
  }

  /** The context length examples are cut to. */
  public int contextLength() {
    return contextLength;
  }

  /**
   * Renders one example of {@code format}.
   *
   * @throws IllegalArgumentException when the example cannot be rendered (the message says why)
   */
  public TrainingExample render(long line, DatasetFormat format, JsonNode example) {
    return sequence(line, format, example, false).example(line, contextLength);
  }

  /**
   * Renders one supervised example of {@code format} as {@link #render} does, with the role of each
   * token.
   *
   * @throws IllegalArgumentException when the example cannot be rendered (the message says why)
   */
  public RenderedTokens renderTokens(long line, DatasetFormat format, JsonNode example) {
    return sequence(line, format, example, true).tokens(line, contextLength);
  }

  /**
   * The preferred answer of a preference (DPO) example as {@link #renderPreference} renders it (its
   * {@link PreferenceExample#chosen()}), with the role of each token.
   *
   * @throws IllegalArgumentException when the example cannot be rendered (the message says why)
   */
  public RenderedTokens renderPreferredTokens(long line, JsonNode example) {
    JsonNode input = example.path("input");
    requireInputMessages(line, input);
    return withAnswer(line, input, output(line, example, "preferred"), true)
        .tokens(line, contextLength);
  }

  /**
   * A full rendered sequence: ids, the loss weight of each (0: not trained), and (when asked for)
   * who wrote each.
   */
  private record Sequence(int[] ids, float[] weight, String[] roles) {
    TrainingExample example(long line, int contextLength) {
      return TrainingExample.of(line, ids, weight, contextLength);
    }

    RenderedTokens tokens(long line, int contextLength) {
      TrainingExample e = example(line, contextLength);
      int kept = e.length() + 1;
      return new RenderedTokens(e, Arrays.copyOf(ids, kept), Arrays.copyOf(roles, kept));
    }
  }

  private Sequence sequence(long line, DatasetFormat format, JsonNode example, boolean roles) {
    return switch (format) {
      case CHAT -> renderChat(line, example, roles);
      case PROMPT_COMPLETION -> renderCompletion(line, example);
      case PREFERENCE ->
          throw new IllegalArgumentException(
              "line "
                  + line
                  + ": preference (DPO) examples are not supervised examples; see"
                  + " renderPreference");
    };
  }

  /**
   * Renders a preference (DPO) example: {@code input.messages} followed by the preferred answer,
   * and again followed by the non-preferred one, through the chat template; in each only the final
   * assistant message (with its end-of-turn token) is trained. The pre-2025 keys {@code
   * preferred_completion} / {@code non_preferred_completion} are read when the new ones are absent.
   *
   * @throws IllegalArgumentException when the example cannot be rendered (the message says why)
   */
  public PreferenceExample renderPreference(long line, JsonNode example) {
    JsonNode input = example.path("input");
    requireInputMessages(line, input);
    return new PreferenceExample(
        line,
        withAnswer(line, input, output(line, example, "preferred"), false)
            .example(line, contextLength),
        withAnswer(line, input, output(line, example, "non_preferred"), false)
            .example(line, contextLength));
  }

  private static void requireInputMessages(long line, JsonNode input) {
    JsonNode messages = input.get("messages");
    if (messages == null || !messages.isArray()) {
      throw new IllegalArgumentException("line " + line + ": no \"input.messages\" array");
    }
  }

  private static JsonNode output(long line, JsonNode example, String prefix) {
    JsonNode out = example.get(prefix + "_output");
    if (out == null) {
      out = example.get(prefix + "_completion");
    }
    if (out == null || !out.isArray() || out.size() != 1) {
      throw new IllegalArgumentException(
          "line " + line + ": \"" + prefix + "_output\" must hold exactly one assistant message");
    }
    return out.get(0);
  }

  private Sequence withAnswer(long line, JsonNode input, JsonNode answer, boolean roles) {
    var messages = JSON.createArrayNode();
    input.get("messages").forEach(messages::add);
    messages.add(answer);
    return renderMessages(line, messages, input.get("tools"), true, 1.0, roles);
  }

  private Sequence renderChat(long line, JsonNode example, boolean roles) {
    JsonNode messagesNode = example.get("messages");
    if (messagesNode == null || !messagesNode.isArray()) {
      throw new IllegalArgumentException("line " + line + ": no \"messages\" array");
    }
    JsonNode weight = example.get("weight");
    double exampleWeight = weight == null ? 1.0 : weight.asDouble(1.0);
    return renderMessages(line, messagesNode, example.get("tools"), false, exampleWeight, roles);
  }

  /**
   * {@code lastOnly}: train only the final message (DPO's answer), else every message of weight
   * above 0, each token weighted by its message's weight times {@code exampleWeight}; {@code
   * roles}: also say who wrote each token ({@link TokenRoles}).
   */
  @SuppressWarnings("unchecked")
  private Sequence renderMessages(
      long line,
      JsonNode messagesNode,
      JsonNode toolsNode,
      boolean lastOnly,
      double exampleWeight,
      boolean roles) {
    List<ChatMessage> messages = new ArrayList<>();
    List<Float> weighted = new ArrayList<>();
    for (JsonNode m : messagesNode) {
      messages.add(ChatMessage.fromMap(JSON.convertValue(m, Map.class)));
      JsonNode weight = m.get("weight");
      weighted.add(
          lastOnly
              ? (weighted.size() == messagesNode.size() - 1 ? 1f : 0f)
              : (float) (exampleWeight * (weight == null ? 1.0 : weight.asDouble(1.0))));
    }
    List<Map<String, Object>> tools = List.of();
    if (toolsNode instanceof JsonNode t && t.isArray()) {
      tools = JSON.convertValue(t, List.class);
    }
    RenderedChat chat;
    try {
      chat = RenderedChat.render(template, tokenizer, messages, tools, Map.of());
    } catch (ChatTemplateException e) {
      throw new IllegalArgumentException("line " + line + ": " + e.getMessage(), e);
    }
    int shift = bosToAdd().isPresent() ? 1 : 0;
    int[] ids = new int[chat.ids().length + shift];
    if (shift == 1) {
      ids[0] = bosToAdd().getAsInt();
    }
    System.arraycopy(chat.ids(), 0, ids, shift, chat.ids().length);
    float[] trained = new float[ids.length];
    for (RenderedChat.AssistantSpan span : chat.spans()) {
      float w = weighted.get(span.messageIndex());
      for (int t = span.tokenStart(); t < span.tokenEnd(); t++) {
        trained[t + shift] = w;
      }
    }
    String[] who = null;
    if (roles) {
      who = new String[ids.length];
      who[0] = TokenRoles.TEMPLATE; // the BOS put in front, when shifted
      System.arraycopy(
          TokenRoles.of(chat, messages, tools, template, tokenizer),
          0,
          who,
          shift,
          chat.ids().length);
    }
    return new Sequence(ids, trained, who);
  }

  private Sequence renderCompletion(long line, JsonNode example) {
    String prompt = example.path("prompt").asText("");
    String completion = example.path("completion").asText("");
    int[] p = tokenizer.encode(prompt);
    int[] c = tokenizer.encode(completion);
    int[] eos = tokenizer.eosTokenIds();
    if (eos.length == 0) {
      throw new IllegalArgumentException(
          "the tokenizer has no EOS token: a completion model could not learn to stop");
    }
    OptionalInt bos = tokenizer.bosTokenId();
    int shift = bos.isPresent() ? 1 : 0;
    int[] ids = new int[shift + p.length + c.length + 1];
    float[] trained = new float[ids.length];
    if (shift == 1) {
      ids[0] = bos.getAsInt();
    }
    System.arraycopy(p, 0, ids, shift, p.length);
    System.arraycopy(c, 0, ids, shift + p.length, c.length);
    ids[ids.length - 1] = eos[0];
    String[] roles = new String[ids.length];
    for (int t = 0; t < ids.length; t++) {
      roles[t] = t < shift ? TokenRoles.TEMPLATE : t < shift + p.length ? "prompt" : "completion";
    }
    for (int t = shift + p.length; t < ids.length; t++) {
      trained[t] = 1f;
    }
    return new Sequence(ids, trained, roles);
  }

  private OptionalInt bosToAdd() {
    return addBos ? tokenizer.bosTokenId() : OptionalInt.empty();
  }
}
