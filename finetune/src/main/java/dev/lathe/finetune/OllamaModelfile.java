package dev.lathe.finetune;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Ollama {@code Modelfile} of an exported GGUF file: {@code FROM ./file.gguf}, a {@code
 * TEMPLATE} in Ollama's Go-template syntax, and {@code PARAMETER stop} lines. The model's Jinja
 * chat template ({@code tokenizer.chat_template}) is recognised and translated for the common
 * families:
 *
 * <ul>
 *   <li>ChatML ({@code <|im_start|>}: Qwen, SmolLM2...);
 *   <li>Llama 3 ({@code <|start_header_id|>});
 *   <li>none: Lathe's plain format ({@code System: …}, {@code User: …}, {@code Assistant: …} ended
 *       by EOS), which is how Lathe chats with a model that has no template.
 * </ul>
 *
 * Any other template is not translated: the Modelfile then has no {@code TEMPLATE} and says so in a
 * comment; Ollama falls back to the template embedded in the GGUF file, which it matches against
 * the templates it knows. Stop strings are the EOS token plus each family's turn markers.
 */
public final class OllamaModelfile {
  private OllamaModelfile() {}

  static final String CHATML =
      "{{ if .System }}<|im_start|>system\n{{ .System }}<|im_end|>\n{{ end }}"
          + "{{ if .Prompt }}<|im_start|>user\n{{ .Prompt }}<|im_end|>\n{{ end }}"
          + "<|im_start|>assistant\n{{ .Response }}<|im_end|>\n";

  static final String LLAMA3 =
      "{{ if .System }}<|start_header_id|>system<|end_header_id|>\n\n{{ .System }}<|eot_id|>{{ end }}"
          + "{{ if .Prompt }}<|start_header_id|>user<|end_header_id|>\n\n{{ .Prompt }}<|eot_id|>{{ end }}"
          + "<|start_header_id|>assistant<|end_header_id|>\n\n{{ .Response }}<|eot_id|>";

  /** The plain format; %s is the EOS string. */
  static final String PLAIN =
      "{{ if .System }}System: {{ .System }}\n{{ end }}"
          + "{{ if .Prompt }}User: {{ .Prompt }}\n{{ end }}"
          + "Assistant: {{ .Response }}%s";

  /** The Modelfile for GGUF file {@code ggufName} holding tokenizer metadata {@code md}. */
  public static String of(String ggufName, Map<String, Object> md) {
    String template = md.get("tokenizer.chat_template") instanceof String s ? s : null;
    String eos = eos(md);
    Set<String> stops = new LinkedHashSet<>();
    if (eos != null) {
      stops.add(eos);
    }
    StringBuilder out = new StringBuilder();
    out.append("# Ollama Modelfile written by Lathe: ollama create NAME -f Modelfile\n");
    out.append("FROM ./").append(ggufName).append("\n");
    String go;
    if (template == null) {
      if (eos == null) {
        throw new IllegalArgumentException(
            "the model has neither a chat template nor an EOS token: no chat format to write");
      }
      go = PLAIN.formatted(eos);
      stops.addAll(List.of("User:", "System:")); // a stop cannot hold a newline
    } else if (template.contains("<|im_start|>")) {
      go = CHATML;
      stops.addAll(List.of("<|im_start|>", "<|im_end|>"));
    } else if (template.contains("<|start_header_id|>")) {
      go = LLAMA3;
      stops.addAll(List.of("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"));
    } else {
      go = null;
      out.append("# The chat template is none Lathe translates (ChatML, Llama 3, plain): Ollama\n");
      out.append("# uses the tokenizer.chat_template embedded in the GGUF file instead.\n");
    }
    if (go != null) {
      out.append("TEMPLATE \"\"\"").append(go).append("\"\"\"\n");
    }
    for (String stop : stops) {
      out.append("PARAMETER stop ").append(quoted(stop)).append("\n");
    }
    return out.toString();
  }

  private static String eos(Map<String, Object> md) {
    if (md.get("tokenizer.ggml.eos_token_id") instanceof Number id
        && md.get("tokenizer.ggml.tokens") instanceof List<?> tokens
        && id.intValue() < tokens.size()) {
      return tokens.get(id.intValue()).toString();
    }
    return null;
  }

  /** A Modelfile string argument: double-quoted, backslashes and quotes escaped. */
  private static String quoted(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
