package dev.lathe.tokenizer.tools;

import dev.lathe.tokenizer.ChatTemplate;
import java.util.Optional;

/**
 * How a model family writes tool calls, chosen from its chat template ({@link #of}); each reads
 * calls from output text ({@link ToolCallParser}, {@link ToolCallStream}) and says how a forced
 * call is written ({@link #syntax()}).
 */
public enum ToolCallFormat {
  /**
   * Hermes / Qwen2, Qwen2.5, Qwen3: {@code <tool_call>\n{"name": "f", "arguments": {...}}\n
   * </tool_call>}, one block per call; a JSON array inside one block (SmolLM2's form) is read too.
   */
  HERMES(
      new TaggedScanner("<tool_call>", "</tool_call>"),
      new CallSyntax(
          "<tool_call>\n{\"name\": \"", "\", \"arguments\": ", "}\n</tool_call>", false)),

  /**
   * Llama 3.1, 3.2, 3.3 JSON tool calling: the output is {@code {"name": "f", "parameters":
   * {...}}}, optionally after {@code <|python_tag|>}.
   */
  LLAMA3_JSON(
      new LlamaJsonScanner(), new CallSyntax("{\"name\": \"", "\", \"parameters\": ", "}", false)),

  /**
   * Mistral (v3 tokenizer and later templates): {@code [TOOL_CALLS][{"name": "f", "arguments":
   * {...}}, ...]}. The output must be decoded keeping special tokens ({@code [TOOL_CALLS]} is one).
   * The newer {@code [TOOL_CALLS]f[ARGS]{...}} form is not read.
   */
  MISTRAL(
      new TaggedScanner("[TOOL_CALLS]", null),
      new CallSyntax("[TOOL_CALLS][{\"name\": \"", "\", \"arguments\": ", "}]", false)),

  /**
   * Lathe's plain format for models without a template ({@link ChatTemplate#PLAIN_SOURCE}): {@code
   * <call> f $o"city": "Paris"$c}, one line per call, arguments escaped.
   */
  LATHE_PLAIN(new PlainScanner(), new CallSyntax(PlainScanner.MARKER, " ", "", true));

  private final CallScanner scanner;
  private final CallSyntax syntax;

  ToolCallFormat(CallScanner scanner, CallSyntax syntax) {
    this.scanner = scanner;
    this.syntax = syntax;
  }

  /**
   * The format {@code template} writes calls in, recognized by its source: Lathe's plain template;
   * {@code [TOOL_CALLS]} (Mistral); {@code <tool_call>} (Hermes, Qwen, SmolLM2); {@code
   * <|python_tag|>} or a {@code "parameters"} call (Llama 3.1+). Empty when the template writes no
   * calls (e.g. Llama 3's first release): such a model was not trained to call tools, and a server
   * should refuse {@code tools} for it rather than guess.
   */
  public static Optional<ToolCallFormat> of(ChatTemplate template) {
    String source = template.source();
    if (source.equals(ChatTemplate.PLAIN_SOURCE)) {
      return Optional.of(LATHE_PLAIN);
    }
    if (source.contains("[TOOL_CALLS]")) {
      return Optional.of(MISTRAL);
    }
    if (source.contains("<tool_call>")) {
      return Optional.of(HERMES);
    }
    if (source.contains(LlamaJsonScanner.PYTHON_TAG) || source.contains("\"parameters\": ")) {
      return Optional.of(LLAMA3_JSON);
    }
    return Optional.empty();
  }

  /** How a call is written, for forcing one. */
  public CallSyntax syntax() {
    return syntax;
  }

  Scan scan(String text, boolean finished) {
    return scanner.scan(text, finished);
  }
}
