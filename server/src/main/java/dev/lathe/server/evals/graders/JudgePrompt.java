package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The judge side of the model graders ({@code score_model}, {@code label_model}): their {@code
 * input} messages (content templated), {@code model} and {@code sampling_params}, and one exchange
 * with the judge.
 *
 * <p>The prompt the judge sees is the rendered {@code input} plus the grader's answer format (the
 * range of scores, or the labels), stated in the first system or developer message (appended to it,
 * after a blank line), or in a system message put first when the input has none. A message's
 * content is a string, an {@code input_text} or {@code output_text} part, or an array of those
 * (joined by newlines); images and audio are refused by name.
 *
 * @param messages the input messages, their contents templates
 * @param model the judge model's id
 * @param sampling the sampling parameters
 */
record JudgePrompt(List<MessageTemplate> messages, String model, JudgeSampling sampling) {

  /** One input message: its role and its content template. */
  record MessageTemplate(String role, Template content) {}

  /** How a model grader reads the judge's reply: score and passed, or a {@link GradingError}. */
  interface Verdict {
    /** The score and passed for {@code reply}; {@code sample} may be annotated. */
    Graded read(String reply, ObjectNode sample);
  }

  /** A reply's score and whether it passes. */
  record Graded(double score, boolean passed) {}

  /** What one exchange gave: the messages sent, the reply and the result's {@code sample}. */
  record Exchange(List<JudgeMessage> sent, JudgeReply reply, ObjectNode sample, Usage usage) {}

  private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");

  static JudgePrompt parse(CriterionFields f) {
    JsonNode input =
        f.required("input", "the judge's messages, [{\"role\": \"user\", \"content\": \"...\"}]");
    if (!input.isArray() || input.isEmpty()) {
      throw new GraderSpecException(
          f.pathOf("input"),
          "must be a non-empty array of messages such as [{\"role\": \"user\", \"content\":"
              + " \"Grade {{sample.output_text}}\"}], not "
              + CriterionFields.kind(input));
    }
    List<MessageTemplate> messages = new ArrayList<>();
    for (int i = 0; i < input.size(); i++) {
      messages.add(message(input.get(i), f.pathOf("input") + "[" + i + "]"));
    }
    String model = f.requiredText("model", "the id of a served model to act as judge");
    return new JudgePrompt(List.copyOf(messages), model, sampling(f));
  }

  private static MessageTemplate message(JsonNode m, String at) {
    if (!m.isObject()) {
      throw new GraderSpecException(
          at, "must be a message object {\"role\": ..., \"content\": ...}");
    }
    CriterionFields f = new CriterionFields(m, at, "a message");
    String type = f.optionalString("type", "\"message\"");
    if (type != null && !type.equals("message")) {
      throw new GraderSpecException(
          f.pathOf("type"), "must be \"message\" (or omitted), not \"" + type + "\"");
    }
    String role = f.requiredString("role", "one of system, developer, user, assistant");
    if (!ROLES.contains(role)) {
      throw new GraderSpecException(
          f.pathOf("role"),
          "\"" + role + "\" is not a role; use system, developer, user or assistant");
    }
    String content =
        content(f.required("content", "the message text (a template)"), f.pathOf("content"));
    f.refuseOthers();
    return new MessageTemplate(role, Template.parse(content, f.pathOf("content")));
  }

  private static String content(JsonNode c, String at) {
    if (c.isTextual()) {
      return c.asText();
    }
    if (c.isArray()) {
      List<String> parts = new ArrayList<>();
      for (int i = 0; i < c.size(); i++) {
        parts.add(content(c.get(i), at + "[" + i + "]"));
      }
      return String.join("\n", parts);
    }
    if (c.isObject()) {
      String type = c.path("type").asText("");
      if (type.equals("input_text") || type.equals("output_text")) {
        CriterionFields part = new CriterionFields(c, at, "a text part");
        part.optional("type");
        String text = part.requiredString("text", "the text of the part (a template)");
        part.refuseOthers();
        return text;
      }
      if (type.equals("input_image") || type.equals("input_audio")) {
        throw new GraderSpecException(
            at + ".type",
            "\"" + type + "\" content is not supported: Lathe's judges read text only; give text");
      }
      throw new GraderSpecException(
          at + ".type", "must be \"input_text\" or \"output_text\", not \"" + type + "\"");
    }
    throw new GraderSpecException(
        at,
        "must be a string, a text part or an array of text parts, not " + CriterionFields.kind(c));
  }

  private static JudgeSampling sampling(CriterionFields f) {
    JsonNode s = f.optional("sampling_params");
    if (s == null) {
      return JudgeSampling.DEFAULTS;
    }
    CriterionFields p = new CriterionFields(s, f.pathOf("sampling_params"), "sampling_params");
    if (p.has("reasoning_effort")) {
      throw new GraderSpecException(
          p.pathOf("reasoning_effort"),
          "is not supported: Lathe's judge models do not reason before answering; remove it");
    }
    Double temperature = p.optionalNumber("temperature", "from 0 to 2");
    if (temperature != null && (temperature < 0 || temperature > 2)) {
      throw new GraderSpecException(
          p.pathOf("temperature"), "must lie in [0, 2], not " + temperature);
    }
    Double topP = p.optionalNumber("top_p", "in (0, 1]");
    if (topP != null && (topP <= 0 || topP > 1)) {
      throw new GraderSpecException(p.pathOf("top_p"), "must lie in (0, 1], not " + topP);
    }
    Integer maxTokens = positiveInt(p, "max_completions_tokens");
    JsonNode seed = p.optional("seed");
    if (seed != null && !(seed.isIntegralNumber() && seed.canConvertToLong())) {
      throw new GraderSpecException(
          p.pathOf("seed"), "must be an integer, not " + CriterionFields.kind(seed));
    }
    p.refuseOthers();
    return new JudgeSampling(temperature, topP, maxTokens, seed == null ? null : seed.asLong());
  }

  private static Integer positiveInt(CriterionFields p, String name) {
    JsonNode v = p.optional(name);
    if (v == null) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) {
      throw new GraderSpecException(
          p.pathOf(name), "must be a positive integer, not " + CriterionFields.kind(v));
    }
    return v.asInt();
  }

  /** The rendered messages with {@code instruction} stated as the class comment says. */
  List<JudgeMessage> render(GradingInput in, String instruction) {
    List<JudgeMessage> out = new ArrayList<>();
    boolean told = false;
    for (MessageTemplate m : messages) {
      String text = m.content().render(in);
      if (!told && (m.role().equals("system") || m.role().equals("developer"))) {
        text = text.isEmpty() ? instruction : text + "\n\n" + instruction;
        told = true;
      }
      out.add(new JudgeMessage(m.role(), text));
    }
    if (!told) {
      out.addFirst(new JudgeMessage("system", instruction));
    }
    return out;
  }

  /**
   * Renders the prompt and asks the judge. A template error or a judge failure is a {@link
   * GradingError}.
   */
  Exchange ask(GradingInput in, Judge judge, String instruction) {
    List<JudgeMessage> sent = render(in, instruction);
    JudgeReply reply;
    try {
      reply = judge.complete(model, sent, sampling);
    } catch (RuntimeException e) {
      throw new GradingError("the judge model " + model + " failed: " + e.getMessage());
    }
    if (reply == null || reply.text() == null) {
      throw new GradingError("the judge model " + model + " gave no reply");
    }
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode sample = f.objectNode();
    var inputs = sample.putArray("input");
    for (JudgeMessage m : sent) {
      inputs.addObject().put("role", m.role()).put("content", m.content());
    }
    sample.putArray("output").addObject().put("role", "assistant").put("content", reply.text());
    sample.put("model", model);
    sample
        .putObject("usage")
        .put("prompt_tokens", reply.promptTokens())
        .put("completion_tokens", reply.completionTokens())
        .put("total_tokens", reply.promptTokens() + reply.completionTokens());
    Usage usage = new Usage(model, reply.promptTokens(), reply.completionTokens(), 1);
    return new Exchange(sent, reply, sample, usage);
  }

  /**
   * One model-graded result: asks the judge, then reads its reply with {@code verdict}; a reply the
   * verdict cannot read is an errored result that still carries the judge's sample and usage.
   */
  GraderResult judge(Grader g, GradingInput in, Judge judge, String instruction, Verdict verdict) {
    return GradingError.catching(
        g,
        () -> {
          Exchange x = ask(in, judge, instruction);
          try {
            Graded v = verdict.read(x.reply().text(), x.sample());
            return new GraderResult(
                g.name(), g.type(), v.score(), v.passed(), x.sample(), x.usage(), null);
          } catch (GradingError e) {
            return new GraderResult(
                g.name(), g.type(), 0, false, x.sample(), x.usage(), e.getMessage());
          }
        });
  }
}
