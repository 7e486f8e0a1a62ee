package dev.lathe.dataset.build;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.tokenizer.ChatTemplateException;
import dev.lathe.tokenizer.TextTemplate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a record into training examples with a Jinja template whose output is a chat in a small
 * text form: a line starting with a marker opens a part, whose text runs to the next marker (the
 * rest of the marker's line included), surrounding blank space removed.
 *
 * <pre>
 * &lt;|system|&gt; Elle is a factual chatbot ...
 * &lt;|user|&gt; Tell me about {{ element }}
 * &lt;|assistant|&gt;
 * {{ limerick }}
 * </pre>
 *
 * <ul>
 *   <li>{@code <|system|>}, {@code <|user|>}, {@code <|assistant|>}: chat messages, in order;
 *   <li>{@code <|preferred|>} and {@code <|non_preferred|>} after the input's messages: a
 *       preference (DPO) pair;
 *   <li>{@code <|prompt|>} and {@code <|completion|>}: a prompt/completion example;
 *   <li>{@code <|example|>} starts another example from the same record (a loop can emit several).
 * </ul>
 *
 * <p>Values are written as they are, with no JSON escaping to get wrong; a record value that itself
 * holds a marker at the start of a line is refused, naming the record and field.
 */
public final class ExampleTemplate {

  private static final Pattern MARKER =
      Pattern.compile(
          "(?m)^[ \\t]*<\\|(system|user|assistant|preferred|non_preferred|prompt|completion"
              + "|example)\\|>");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final TextTemplate template;

  /** Examples rendered by {@code template}. */
  public ExampleTemplate(TextTemplate template) {
    this.template = template;
  }

  /**
   * The examples of {@code record}, in the order the template writes them.
   *
   * @throws DatasetBuildException naming the record when the template fails or its output is not an
   *     example
   */
  public List<ObjectNode> render(SourceRecord record) {
    Map<String, Object> variables = new HashMap<>(record.fields());
    for (Map.Entry<String, Object> field : record.fields().entrySet()) {
      if (field.getValue() instanceof String text && MARKER.matcher(text).find()) {
        throw new DatasetBuildException(
            record.origin()
                + ": field '"
                + field.getKey()
                + "' holds a line starting with a template marker such as <|user|>; remove it"
                + " from the data.");
      }
    }
    variables.put("record", record.fields());
    String output;
    try {
      output = template.render(variables);
    } catch (ChatTemplateException e) {
      throw new DatasetBuildException(
          "The template failed on "
              + record.origin()
              + ": "
              + e.getMessage()
              + " (the record's fields: "
              + String.join(", ", record.fields().keySet())
              + ")",
          e);
    }
    try {
      return parse(output);
    } catch (IllegalArgumentException e) {
      throw new DatasetBuildException(
          "The template's output for " + record.origin() + " is not an example: " + e.getMessage());
    }
  }

  /** The examples written in the text form {@code output}. */
  static List<ObjectNode> parse(String output) {
    List<String> roles = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    List<ObjectNode> examples = new ArrayList<>();
    Matcher m = MARKER.matcher(output);
    int end = 0;
    String role = null;
    while (m.find()) {
      String before = output.substring(end, m.start()).strip();
      if (role == null && !before.isEmpty()) {
        throw new IllegalArgumentException(
            "text before the first marker: '"
                + abbreviate(before)
                + "'; start with <|user|> or"
                + " another marker.");
      }
      if (role != null) {
        roles.add(role);
        texts.add(before);
      }
      role = m.group(1);
      end = m.end();
      if (role.equals("example")) {
        if (!roles.isEmpty()) {
          examples.add(example(roles, texts));
        }
        roles.clear();
        texts.clear();
        role = null;
      }
    }
    if (role != null) {
      roles.add(role);
      texts.add(output.substring(end).strip());
    } else if (!output.substring(end).isBlank()) {
      throw new IllegalArgumentException(
          "no marker in the output; mark each part, e.g. <|user|> ... <|assistant|> ...");
    }
    if (!roles.isEmpty()) {
      examples.add(example(roles, texts));
    }
    if (examples.isEmpty()) {
      throw new IllegalArgumentException("the template wrote no example (empty output).");
    }
    return examples;
  }

  private static ObjectNode example(List<String> roles, List<String> texts) {
    if (roles.contains("prompt") || roles.contains("completion")) {
      if (!roles.equals(List.of("prompt", "completion"))) {
        throw new IllegalArgumentException(
            "a prompt/completion example is <|prompt|> then <|completion|> and nothing else, got "
                + markers(roles));
      }
      ObjectNode example = NODES.objectNode();
      example.put("prompt", texts.get(0));
      example.put("completion", texts.get(1));
      return example;
    }
    int preferred = roles.indexOf("preferred");
    int rejected = roles.indexOf("non_preferred");
    if (preferred >= 0 || rejected >= 0) {
      int n = roles.size();
      if (preferred != n - 2 || rejected != n - 1) {
        throw new IllegalArgumentException(
            "a preference pair ends with <|preferred|> then <|non_preferred|>, got "
                + markers(roles));
      }
      ObjectNode example = NODES.objectNode();
      example.putObject("input").set("messages", messages(roles, texts, n - 2));
      example.putArray("preferred_output").add(message("assistant", texts.get(n - 2)));
      example.putArray("non_preferred_output").add(message("assistant", texts.get(n - 1)));
      return example;
    }
    ObjectNode example = NODES.objectNode();
    example.set("messages", messages(roles, texts, roles.size()));
    return example;
  }

  private static ArrayNode messages(List<String> roles, List<String> texts, int count) {
    ArrayNode messages = NODES.arrayNode();
    for (int i = 0; i < count; i++) {
      messages.add(message(roles.get(i), texts.get(i)));
    }
    return messages;
  }

  private static ObjectNode message(String role, String content) {
    ObjectNode message = NODES.objectNode();
    message.put("role", role);
    message.put("content", content);
    return message;
  }

  private static String markers(List<String> roles) {
    return roles.stream().map(r -> "<|" + r + "|>").toList().toString();
  }

  private static String abbreviate(String s) {
    return s.length() <= 60 ? s : s.substring(0, 57) + "...";
  }
}
