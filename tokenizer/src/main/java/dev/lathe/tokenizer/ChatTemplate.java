package dev.lathe.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.mode.ExecutionMode;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's chat template: the Jinja program in {@code tokenizer_config.json} ({@code
 * chat_template}, a string or a list of named templates) or {@code chat_template.jinja}, rendered
 * with jinjava the way Hugging Face's {@code apply_chat_template} renders it with Python Jinja:
 * {@code trim_blocks} and {@code lstrip_blocks} on; variables {@code messages}, {@code tools},
 * {@code add_generation_prompt}, the tokenizer's special tokens ({@code bos_token}, {@code
 * eos_token}, {@code pad_token}, ..., {@code additional_special_tokens}) plus any extras; the
 * functions {@code raise_exception(msg)} and {@code strftime_now(format)} (from the injected
 * clock); Python string methods ({@link PythonStringMethods}); {@code tojson} as Python's {@code
 * json.dumps} ({@link PythonJson}); {@code namespace()}, {@code loop.*}, {@code is defined} etc.
 * are jinjava's own.
 *
 * <p>Where jinjava reads Jinja differently, the source is adapted first ({@link
 * JinjaSyntaxAdapter}: {@code x[::-1]}, the loose binding of {@code not}, keyword arguments), one
 * trailing newline is dropped (Jinja's {@code keep_trailing_newline=False}), {@code {% for %}...{%
 * else %}} is rejected, the {@code items} filter is added, and values are printed verbatim (jinjava
 * would otherwise execute {@code {{ }}} found inside a message). Null message content is passed as
 * the empty string (see {@link ChatMessage}).
 *
 * <p>Anything jinjava reports (unknown tag, filter, test, function or method, syntax error) fails
 * the render with a {@link ChatTemplateException} naming the line and the construct: a template is
 * rendered faithfully or not at all. Printed booleans are {@code True}/{@code False} as in Python
 * ({@link PythonOutput}). Known differences from Python Jinja that are not detected: a boolean
 * inside {@code ~} concatenation or a printed list gives {@code true}; printing none, or an
 * attribute of an undefined value, gives an empty string (Python: {@code None}, resp. an error);
 * {@code none|default(x)} gives {@code x}. None of these occur in the templates we test.
 *
 * <p>For models without a template (base models such as TinyStories) {@link #plain(String)} gives a
 * documented plain-text format. Instances are immutable and thread-safe.
 */
public final class ChatTemplate {

  /**
   * The plain-text format for models without a chat template:
   *
   * <pre>
   * System: {system content}
   * User: {user content}
   * Assistant: {assistant content}{eos_token}User: ...
   * </pre>
   *
   * <p>Each message is one line ending in a newline, except an assistant turn, which ends with the
   * EOS string right after its content (what the model learns to emit to stop) and no newline: a
   * SentencePiece normalizer would turn text right after the EOS into a stray "▁\n" token, while a
   * following "User:" starts a fresh piece just like the first one. A {@code tool} message is
   * written {@code Tool: ...}. Content parts are joined. With {@code add_generation_prompt}, {@code
   * "Assistant: "} is appended.
   *
   * <p>Tools (Lathe's own tool format; a chat without tools renders exactly as above). Each tool is
   * one line, after the first message when that is a system message, else before the first message:
   *
   * <pre>
   * &lt;tool&gt; {name} {parameters JSON, escaped}[ {description, escaped}]
   * </pre>
   *
   * <p>and each call of an assistant turn is one line, after the content (a newline between them
   * when there is content), the EOS after the last one:
   *
   * <pre>
   * Assistant: {content}
   * &lt;call&gt; {name} {arguments JSON, escaped}
   * &lt;call&gt; {name} {arguments JSON, escaped}{eos_token}
   * </pre>
   *
   * <p>e.g. {@code Assistant: <call> get_weather $o"city": "Paris"$c<|end_story|>}. The JSON is
   * escaped with {@link PlainToolText} ({@code { } [ ]} as {@code $o $c $l $r}, and so on) because
   * the small vocabularies this format serves cannot spell those characters (TinyStories-656K has
   * no byte tokens): with the escapes, a call's text encodes and decodes back unchanged on
   * TinyStories and GPT-2, so what a fine-tuned model generates parses ({@code
   * dev.lathe.tokenizer.tools.ToolCallFormat#LATHE_PLAIN}). Arguments given as a mapping rather
   * than a JSON string are written with {@code tojson}; a tool given without the {@code function}
   * wrapper is read as the function itself; parameters default to {@code {}}. Tool results stay
   * {@code Tool: ...} lines, unescaped, as any message content.
   */
  public static final String PLAIN_SOURCE =
      "{% macro lathe_tools() %}{% for tool in tools %}"
          + "{% set f = tool.function if tool.function is defined else tool %}"
          + "{{ '<tool> ' + f.name + ' '"
          + " + ((f.parameters|tojson) if f.parameters is defined else '{}')|lathe_escape }}"
          + "{% if f.description %}{{ ' ' + f.description|lathe_escape }}{% endif %}"
          + "{{ '\\n' }}{% endfor %}{% endmacro %}"
          + "{% for message in messages %}"
          + "{% if tools and loop.first and message.role != 'system' %}{{ lathe_tools() }}"
          + "{% endif %}"
          + "{% set text = message.content if message.content is string"
          + " else (message.content|map(attribute='text')|join('')) %}"
          + "{% if message.role == 'system' %}{{ 'System: ' + text + '\\n' }}"
          + "{% elif message.role == 'user' %}{{ 'User: ' + text + '\\n' }}"
          + "{% elif message.role == 'assistant' %}{{ 'Assistant: ' + text }}"
          + "{% if message.tool_calls %}{% for call in message.tool_calls %}"
          + "{% set f = call.function if call.function is defined else call %}"
          + "{% if text or not loop.first %}{{ '\\n' }}{% endif %}"
          + "{{ '<call> ' + f.name + ' ' + ((f.arguments if f.arguments is string"
          + " else (f.arguments|tojson)) if f.arguments is defined else '{}')|lathe_escape }}"
          + "{% endfor %}{% endif %}{{ eos_token }}"
          + "{% elif message.role == 'tool' %}{{ 'Tool: ' + text + '\\n' }}"
          + "{% else %}{{ raise_exception('the plain chat format has no role ' + message.role) }}"
          + "{% endif %}"
          + "{% if tools and loop.first and message.role == 'system' %}{{ lathe_tools() }}"
          + "{% endif %}{% endfor %}"
          + "{% if add_generation_prompt %}{{ 'Assistant: ' }}{% endif %}";

  static final String RENDER_STATE = "__lathe_render_state";

  private final String name;
  private final String source;
  private final String adapted;
  private final Map<String, Object> specialTokens;
  private final Clock clock;
  private final Jinjava jinjava;

  private ChatTemplate(String name, String source, Map<String, Object> specialTokens, Clock clock) {
    this.name = Objects.requireNonNull(name);
    this.source = Objects.requireNonNull(source);
    this.specialTokens = Map.copyOf(specialTokens);
    this.clock = Objects.requireNonNull(clock);
    // Like Jinja (keep_trailing_newline=False), a single newline ending the source is dropped.
    String trimmed =
        source.endsWith("\r\n")
            ? source.substring(0, source.length() - 2)
            : source.endsWith("\n") ? source.substring(0, source.length() - 1) : source;
    this.adapted = JinjaSyntaxAdapter.adapt(trimmed, name);
    this.jinjava = newJinjava(false);
    checkUsages(jinjava, source, adapted, name);
  }

  /**
   * A template from its Jinja source; {@code name} identifies it in errors; {@code bosToken} and
   * {@code eosToken} (null when the model has none) are the strings the template may write.
   */
  public static ChatTemplate of(String name, String source, String bosToken, String eosToken) {
    Map<String, Object> tokens = new HashMap<>();
    tokens.put("bos_token", bosToken == null ? "" : bosToken);
    tokens.put("eos_token", eosToken == null ? "" : eosToken);
    return new ChatTemplate(name, source, tokens, Clock.systemUTC());
  }

  /** The plain-text template ({@link #PLAIN_SOURCE}) ending assistant turns with {@code eos}. */
  public static ChatTemplate plain(String eosToken) {
    if (eosToken == null || eosToken.isEmpty()) {
      throw new IllegalArgumentException("the plain chat format needs the model's EOS string");
    }
    return of("plain", PLAIN_SOURCE, null, eosToken);
  }

  /** The tokenizer's default chat template, or empty when it has none. */
  public static Optional<ChatTemplate> of(HfTokenizer tokenizer) {
    return named(tokenizer, "default", true);
  }

  /** The tokenizer's template, or {@link #plain} with its EOS when it has none (TinyStories). */
  public static ChatTemplate orPlain(HfTokenizer tokenizer) {
    return of(tokenizer).orElseGet(() -> plain(tokenizer.eosToken()));
  }

  /**
   * The tokenizer's template called {@code templateName} (e.g. {@code "tool_use"}) when {@code
   * chat_template} is a list of named templates.
   */
  public static ChatTemplate of(HfTokenizer tokenizer, String templateName) {
    return named(tokenizer, templateName, false)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    tokenizer.source() + " has no chat template named " + templateName));
  }

  private static Optional<ChatTemplate> named(
      HfTokenizer tokenizer, String templateName, boolean defaultWanted) {
    JsonNode node = tokenizer.chatTemplateConfig();
    String source = null;
    if (node.isTextual() && defaultWanted) {
      source = node.asText();
    } else if (node.isArray()) {
      for (JsonNode entry : node) {
        if (templateName.equals(entry.path("name").asText())) {
          source = entry.path("template").asText();
        }
      }
    }
    if (source == null && defaultWanted && tokenizer.chatTemplateFile() != null) {
      source = tokenizer.chatTemplateFile();
    }
    if (source == null) {
      return Optional.empty();
    }
    return Optional.of(
        new ChatTemplate(
            tokenizer.source() + " (" + templateName + ")",
            source,
            tokenizer.specialTokensMap(),
            Clock.systemUTC()));
  }

  /** This template reading {@code strftime_now} from {@code clock}. */
  public ChatTemplate withClock(Clock clock) {
    return new ChatTemplate(name, source, specialTokens, clock);
  }

  /** The name errors give this template (where it came from). */
  public String name() {
    return name;
  }

  /** The Jinja source as written. */
  public String source() {
    return source;
  }

  /** Renders {@code messages} without tools or extra variables. */
  public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
    return render(messages, List.of(), addGenerationPrompt, Map.of());
  }

  /**
   * Renders a conversation.
   *
   * @param messages the conversation
   * @param tools tool (function) definitions as OpenAI JSON objects parsed into maps; empty for
   *     none (the template then sees {@code tools} as none, as in Hugging Face)
   * @param addGenerationPrompt append the header that starts the assistant's reply
   * @param extraVariables further template variables (e.g. {@code enable_thinking})
   * @throws ChatTemplateException when the template cannot be rendered faithfully
   */
  public String render(
      List<ChatMessage> messages,
      List<Map<String, Object>> tools,
      boolean addGenerationPrompt,
      Map<String, Object> extraVariables) {
    // As in Hugging Face: the special tokens map, overridden by extra variables, then the rest.
    Map<String, Object> bindings = new HashMap<>(specialTokens);
    bindings.putIfAbsent("bos_token", "");
    bindings.putIfAbsent("eos_token", "");
    bindings.putAll(extraVariables);
    List<Map<String, Object>> values = new ArrayList<>(messages.size());
    for (ChatMessage m : messages) {
      values.add(m.toTemplateValue());
    }
    bindings.put("messages", values);
    bindings.put("tools", tools == null || tools.isEmpty() ? null : new ArrayList<>(tools));
    bindings.put("add_generation_prompt", addGenerationPrompt);
    bindings.put("True", true);
    bindings.put("False", false);
    RenderState state = new RenderState(clock);
    bindings.put(RENDER_STATE, state);
    RenderResult result = jinjava.renderForResult(adapted, bindings);
    if (state.raised != null) {
      throw new ChatTemplateException(name, 0, "", "the template raised: " + state.raised);
    }
    for (TemplateError error : result.getErrors()) {
      throw toException("chat template", name, source, adapted, error);
    }
    return result.getOutput();
  }

  /** The error jinjava reported, at the line of {@code source} where its construct occurs. */
  static ChatTemplateException toException(
      String kind, String name, String source, String adapted, TemplateError error) {
    String[] lines = adapted.split("\n", -1);
    int line = Math.max(1, Math.min(lines.length, error.getLineno()));
    String construct = error.getFieldName();
    if (construct != null && !construct.isBlank()) {
      // jinjava's line numbers drift with whitespace control: prefer where the construct occurs.
      int best = -1;
      for (int i = 0; i < lines.length; i++) {
        if (lines[i].contains(construct.strip())
            && (best < 0 || Math.abs(i + 1 - line) < Math.abs(best - line))) {
          best = i + 1;
        }
      }
      line = best > 0 ? best : line;
    }
    String[] original = source.split("\n", -1);
    String text = line <= original.length ? original[line - 1] : "";
    String what = construct == null || construct.isBlank() ? "" : " in `" + construct + "`";
    return new ChatTemplateException(
        kind, name, line, text, error.getReason() + what + ": " + error.getMessage());
  }

  /** Per-render state the template functions reach through the interpreter's context. */
  static final class RenderState {
    final Clock clock;
    String raised;

    RenderState(Clock clock) {
      this.clock = clock;
    }

    static RenderState current() {
      return (RenderState) JinjavaInterpreter.getCurrent().getContext().get(RENDER_STATE);
    }
  }

  /** Refuses a filter or test the engine does not have, naming where it occurs in the source. */
  static void checkUsages(Jinjava jinjava, String source, String adapted, String name) {
    for (JinjaSyntaxAdapter.Usage usage : JinjaSyntaxAdapter.usages(adapted)) {
      boolean known =
          usage.filter()
              ? jinjava.getGlobalContext().getFilter(usage.name()) != null
              : jinjava.getGlobalContext().getExpTest(usage.name()) != null;
      if (!known) {
        throw JinjaSyntaxAdapter.error(
            source,
            name,
            Math.min(usage.index(), source.length()),
            (usage.filter() ? "filter |" : "test 'is ")
                + usage.name()
                + (usage.filter() ? "" : "'")
                + " is not supported by this renderer");
      }
    }
  }

  /** {@code raise_exception(message)}: aborts the render with the template's message. */
  public static String raiseException(Object message) {
    RenderState.current().raised = String.valueOf(message);
    throw new IllegalStateException("template raised: " + message);
  }

  /** {@code strftime_now(format)}: the injected clock's time formatted like Python's strftime. */
  public static String strftimeNow(String format) {
    ZonedDateTime now = ZonedDateTime.now(RenderState.current().clock);
    return StrftimeFormatter.format(now, format);
  }

  /**
   * The engine with the settings above; {@code failOnUnknownTokens} makes an undefined variable an
   * error instead of an empty string.
   */
  static Jinjava newJinjava(boolean failOnUnknownTokens) {
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonStringMethods());
    resolver.add(com.hubspot.jinjava.el.JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
    JinjavaConfig config =
        JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withFailOnUnknownTokens(failOnUnknownTokens)
            .withLstripBlocks(true)
            // jinjava's default would render "{{ ... }}" found inside printed values (a user
            // message) as template code; Jinja prints values verbatim.
            .withNestedInterpretationEnabled(false)
            .withExecutionMode(
                new ExecutionMode() {
                  @Override
                  public void prepareContext(Context context) {
                    context.setExpressionStrategy(new PythonOutput());
                  }
                })
            .withElResolver(resolver)
            .withLegacyOverrides(
                LegacyOverrides.newBuilder()
                    .withUseTrimmingForNotesAndExpressions(true)
                    .withParseWhitespaceControlStrictly(true)
                    .withUseNaturalOperatorPrecedence(true)
                    .withKeepNullableLoopValues(true)
                    .withUsePyishObjectMapper(true)
                    .build())
            .build();
    Jinjava jinjava = new Jinjava(config);
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "raise_exception", ChatTemplate.class, "raiseException", Object.class));
    jinjava
        .getGlobalContext()
        .registerFunction(
            new ELFunctionDefinition(
                "", "strftime_now", ChatTemplate.class, "strftimeNow", String.class));
    jinjava.getGlobalContext().registerFilter(new PythonJson());
    jinjava.getGlobalContext().registerFilter(new ItemsFilter());
    jinjava.getGlobalContext().registerFilter(new PlainEscapeFilter());
    return jinjava;
  }
}
