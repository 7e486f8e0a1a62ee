package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A grader string with {@code {{ namespace.path }}} references, OpenAI's templating: the namespace
 * is {@code item} (the data item) or {@code sample} (the model's answer), the path a dot-separated
 * list of object keys and array indices ({@code item.a.b}, {@code item.list[0]}, {@code
 * item.list.0}). In the {@code sample} namespace, {@code output_text} is the answer's text, {@code
 * output_json} that text parsed as JSON (a grading error when it is not JSON), {@code output_tools}
 * the answer's tool calls as chat-completions {@code tool_calls} ({@code [{"type": "function",
 * "function": {"name", "arguments"}}]}), {@code choices} the answer as chat-completions {@code
 * choices} ({@code sample.choices[0].message.content}); any other name resolves against the sample
 * object output items return ({@code sample.model}, {@code sample.output[0].content}, ...).
 *
 * <p>A string value renders as itself, any other value as compact JSON. A path the input lacks is a
 * {@link GradingError} naming the path and the keys that exist. Templates are parsed when the
 * criterion is, so a syntax error or an unknown namespace is a {@link GraderSpecException}.
 */
final class Template {
  private static final ObjectMapper JSON = new ObjectMapper();

  private sealed interface Part permits Literal, Ref {}

  private record Literal(String text) implements Part {}

  /** A reference: its source text between the braces, namespace and steps (String or Integer). */
  private record Ref(String expr, String namespace, List<Object> steps) implements Part {}

  private final String source;
  private final List<Part> parts;

  private Template(String source, List<Part> parts) {
    this.source = source;
    this.parts = parts;
  }

  /** The template as written. */
  String source() {
    return source;
  }

  /** Whether the template references anything. */
  boolean hasReferences() {
    return parts.stream().anyMatch(p -> p instanceof Ref);
  }

  /** Parses {@code source}; {@code field} is its JSON path, for errors. */
  static Template parse(String source, String field) {
    List<Part> parts = new ArrayList<>();
    int at = 0;
    while (true) {
      int open = source.indexOf("{{", at);
      if (open < 0) {
        break;
      }
      int close = source.indexOf("}}", open + 2);
      if (close < 0) {
        throw new GraderSpecException(
            field,
            "has \"{{\" at character "
                + open
                + " without a closing \"}}\"; write {{item.field}} or {{sample.output_text}}");
      }
      if (open > at) {
        parts.add(new Literal(source.substring(at, open)));
      }
      parts.add(reference(source.substring(open + 2, close).strip(), field));
      at = close + 2;
    }
    if (at < source.length()) {
      parts.add(new Literal(source.substring(at)));
    }
    return new Template(source, List.copyOf(parts));
  }

  private static Ref reference(String expr, String field) {
    int dot = expr.indexOf('.');
    String ns = dot < 0 ? expr : expr.substring(0, dot);
    if (!ns.equals("item") && !ns.equals("sample")) {
      throw new GraderSpecException(
          field,
          "{{"
              + expr
              + "}} does not start with a namespace Lathe knows; the namespaces are item and"
              + " sample, as in {{item.answer}} or {{sample.output_text}}");
    }
    List<Object> steps = new ArrayList<>();
    String rest = dot < 0 ? "" : expr.substring(dot + 1);
    if (rest.isEmpty()) {
      throw new GraderSpecException(
          field, "{{" + expr + "}} names no field; write {{" + ns + ".<field>}}");
    }
    for (String seg : rest.split("\\.", -1)) {
      parseSegment(seg, expr, field, steps);
    }
    return new Ref(expr, ns, List.copyOf(steps));
  }

  /**
   * {@code key}, {@code key[0][1]} or {@code 0} (an index when the value is an array); every
   * segment starts with a key, so the first step of a path is always a name.
   */
  private static void parseSegment(String seg, String expr, String field, List<Object> steps) {
    int bracket = seg.indexOf('[');
    String key = bracket < 0 ? seg : seg.substring(0, bracket);
    if (key.isBlank() || key.contains("]")) {
      throw badPath(expr, field);
    }
    if (!key.isEmpty()) {
      steps.add(key);
    }
    while (bracket >= 0) {
      int end = seg.indexOf(']', bracket);
      if (end < 0) {
        throw badPath(expr, field);
      }
      String index = seg.substring(bracket + 1, end);
      if (!index.matches("[0-9]{1,9}")) {
        throw badPath(expr, field);
      }
      steps.add(Integer.parseInt(index));
      int next = end + 1;
      if (next < seg.length() && seg.charAt(next) != '[') {
        throw badPath(expr, field);
      }
      bracket = next < seg.length() ? next : -1;
    }
  }

  private static GraderSpecException badPath(String expr, String field) {
    return new GraderSpecException(
        field,
        "{{"
            + expr
            + "}} is not a valid path; separate keys with dots and write array indices as [0],"
            + " as in {{item.answers[0].text}}");
  }

  /** The template with every reference replaced by its value's text. */
  String render(GradingInput input) {
    StringBuilder out = new StringBuilder();
    for (Part p : parts) {
      switch (p) {
        case Literal l -> out.append(l.text());
        case Ref r -> out.append(text(resolve(r, input)));
      }
    }
    return out.toString();
  }

  /**
   * The value the template stands for: when it is exactly one reference, the referenced JSON value
   * itself (an object stays an object); otherwise the rendered text.
   */
  JsonNode renderValue(GradingInput input) {
    if (parts.size() == 1 && parts.getFirst() instanceof Ref r) {
      return resolve(r, input);
    }
    return TextNode.valueOf(render(input));
  }

  static String text(JsonNode v) {
    return v.isTextual() ? v.asText() : v.toString();
  }

  private static JsonNode resolve(Ref r, GradingInput input) {
    JsonNode root;
    int first;
    if (r.namespace().equals("item")) {
      if (input.item() == null || input.item().isNull()) {
        throw new GradingError("{{" + r.expr() + "}}: this row has no data item");
      }
      root = input.item();
      first = 0;
    } else {
      root = sampleField(r, input.sample());
      first = 1;
    }
    JsonNode at = root;
    StringBuilder walked = new StringBuilder(r.namespace());
    if (first == 1) {
      walked.append('.').append(r.steps().getFirst());
    }
    for (int i = first; i < r.steps().size(); i++) {
      Object step = r.steps().get(i);
      JsonNode next = step(at, step);
      if (next == null) {
        throw new GradingError(missing(r, walked.toString(), at, step));
      }
      walked.append(step instanceof Integer n ? "[" + n + "]" : "." + step);
      at = next;
    }
    return at;
  }

  private static JsonNode step(JsonNode at, Object step) {
    if (at.isArray()) {
      Integer index = step instanceof Integer n ? n : asIndex((String) step);
      return index == null || index >= at.size() ? null : at.get(index);
    }
    if (at.isObject() && step instanceof String key) {
      return at.get(key);
    }
    return null;
  }

  private static Integer asIndex(String s) {
    return s.matches("[0-9]{1,9}") ? Integer.parseInt(s) : null;
  }

  private static String missing(Ref r, String walked, JsonNode at, Object step) {
    String what = step instanceof Integer n ? "index " + n : "field \"" + step + "\"";
    String has;
    if (at.isObject()) {
      List<String> keys = new ArrayList<>();
      Iterator<String> it = at.fieldNames();
      while (it.hasNext() && keys.size() < 20) {
        keys.add(it.next());
      }
      has = keys.isEmpty() ? "it has no fields" : "its fields are: " + String.join(", ", keys);
    } else if (at.isArray()) {
      has = "it is an array of " + at.size();
    } else {
      has = "it is " + CriterionFields.kind(at);
    }
    return "{{"
        + r.expr()
        + "}}: "
        + walked
        + " has no "
        + what
        + " ("
        + has
        + "); fix the template or the data";
  }

  private static JsonNode sampleField(Ref r, Sample sample) {
    String name = (String) r.steps().getFirst();
    if (sample == null) {
      throw new GradingError(
          "{{"
              + r.expr()
              + "}}: this row has no sample (the data source gave only items); use a data source"
              + " that samples a model, or a jsonl source whose rows carry a sample");
    }
    return switch (name) {
      case "output_text" -> {
        if (sample.outputText() == null) {
          throw new GradingError("{{" + r.expr() + "}}: the sample has no output text");
        }
        yield TextNode.valueOf(sample.outputText());
      }
      case "output_json" -> outputJson(r, sample);
      case "output_tools" -> outputTools(sample);
      case "choices" -> choices(sample);
      default -> {
        JsonNode v = sample.raw() == null ? null : sample.raw().get(name);
        if (v == null) {
          throw new GradingError(
              "{{"
                  + r.expr()
                  + "}}: the sample has no field \""
                  + name
                  + "\"; the sample fields are output_text, output_json, output_tools"
                  + (sample.raw() == null ? "" : " and those of the sample object"));
        }
        yield v;
      }
    };
  }

  private static JsonNode outputJson(Ref r, Sample sample) {
    String text = sample.outputText();
    try {
      JsonNode v = text == null || text.isBlank() ? null : JSON.readTree(text);
      if (v == null) {
        throw new GradingError("{{" + r.expr() + "}}: the sample's output is empty, not JSON");
      }
      return v;
    } catch (JsonProcessingException e) {
      throw new GradingError(
          "{{"
              + r.expr()
              + "}}: the sample's output is not valid JSON ("
              + e.getOriginalMessage()
              + ")");
    }
  }

  /**
   * {@code sample.choices}: the raw sample's own {@code choices} when it has them, else the one
   * chat-completions choice the sample stands for ({@code index}, {@code message} with {@code
   * role}, {@code content} and any {@code tool_calls}, {@code finish_reason} when known).
   */
  private static JsonNode choices(Sample sample) {
    if (sample.raw() != null && sample.raw().has("choices")) {
      return sample.raw().get("choices");
    }
    ArrayNode choices = JsonNodeFactory.instance.arrayNode();
    var choice = choices.addObject();
    choice.put("index", 0);
    var message = choice.putObject("message");
    message.put("role", "assistant");
    message.put("content", sample.outputText());
    if (!sample.toolCalls().isEmpty()) {
      message.set("tool_calls", outputTools(sample));
    }
    JsonNode finish = sample.raw() == null ? null : sample.raw().get("finish_reason");
    choice.set("finish_reason", finish == null ? JsonNodeFactory.instance.nullNode() : finish);
    return choices;
  }

  private static ArrayNode outputTools(Sample sample) {
    ArrayNode calls = JsonNodeFactory.instance.arrayNode();
    for (ToolCall c : sample.toolCalls()) {
      var call = calls.addObject();
      call.put("type", "function");
      call.putObject("function").put("name", c.name()).put("arguments", c.arguments());
    }
    return calls;
  }
}
