package dev.lathe.server.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.inference.ChatModel;
import dev.lathe.inference.ContinuationScores;
import dev.lathe.inference.FinishReason;
import dev.lathe.inference.GenerationResult;
import dev.lathe.inference.TokenConstraint;
import dev.lathe.inference.json.JsonConstraint;
import dev.lathe.inference.json.JsonConstraintException;
import dev.lathe.inference.json.JsonGrammar;
import dev.lathe.inference.json.JsonLimits;
import dev.lathe.inference.json.TriggeredConstraint;
import dev.lathe.inference.json.UnsupportedSchemaException;
import dev.lathe.server.http.ApiException;
import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.tokenizer.tools.CallSyntax;
import dev.lathe.tokenizer.tools.ToolCallFormat;
import dev.lathe.tokenizer.tools.ToolCallParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What one chat reply is held to, decided once the model is known:
 *
 * <ul>
 *   <li>free text, read for tool calls when the request has tools ({@link ChatTools}); when a tool
 *       is {@code strict}, every call the model starts is held to the tools' schemas while the text
 *       around it stays free ({@link TriggeredConstraint}: Hermes/Qwen and Mistral formats);
 *   <li>a JSON document ({@code response_format} {@code json_object} or {@code json_schema}),
 *       enforced by constrained decoding over the model's vocabulary ({@link JsonConstraint});
 *   <li>a forced call ({@code tool_choice} {@code required} or a named function): the call's
 *       opening up to its arguments is written for the model ({@link #prefill}), the arguments are
 *       held to the function's {@code parameters} schema, and the call is closed after them ({@link
 *       #closing}). For {@code required} with several tools the function is the one the model finds
 *       most likely after the opening ({@link ContinuationScores}). Lathe's plain format escapes
 *       the JSON (its vocabularies cannot write braces), so there the arguments are the model's
 *       own, unconstrained.
 * </ul>
 *
 * <p>{@code response_format} together with tools is refused unless {@code tool_choice} is {@code
 * none}: Lathe constrains a whole reply, so it could not also leave the model free to call.
 *
 * @param prompt the prompt's token ids, the prefill included
 * @param callFormat the format the reply is read in for calls, or null
 * @param prefill text the reply starts with that the model did not generate (empty for none)
 * @param closing text that ends a forced call once its arguments are complete (empty for none)
 * @param constraint the tokens the model may choose, if held to a grammar
 */
record ReplyPlan(
    int[] prompt,
    ToolCallFormat callFormat,
    String prefill,
    String closing,
    Optional<TokenConstraint> constraint) {

  /** Decides the plan of a reply of {@code chat} to {@code messages}. */
  static ReplyPlan of(
      ChatModel chat,
      List<ChatMessage> messages,
      ChatTools tools,
      JsonNode responseFormat,
      String model) {
    Optional<JsonGrammar> document = grammar(responseFormat);
    ChatTools.Rendered rendered = tools.render(chat, messages, model);
    if (document.isPresent()) {
      if (tools.any() && tools.choice().parsesOutput()) {
        throw ApiException.invalid(
            "'response_format' with 'tools' is not supported unless 'tool_choice' is 'none': Lathe"
                + " holds the whole reply to the format, so the model could not call a tool.",
            "response_format");
      }
      return new ReplyPlan(
          rendered.prompt(), null, "", "", Optional.of(constraint(document.get(), chat, model)));
    }
    if (!tools.choice().forcesCall()) {
      return new ReplyPlan(
          rendered.prompt(),
          rendered.format(),
          "",
          "",
          rendered.format() == null
              ? Optional.empty()
              : strictCalls(chat, tools, rendered.format().syntax(), model));
    }
    ToolCallFormat format = rendered.format();
    CallSyntax syntax = format.syntax();
    String name =
        tools
            .choice()
            .functionName()
            .orElseGet(() -> likeliestName(chat, rendered.prompt(), tools, syntax));
    String prefill = syntax.prefix(name);
    int[] prompt = then(rendered.prompt(), chat.prompts().rendered(prefill, false));
    if (syntax.argumentsEscaped()) {
      return new ReplyPlan(prompt, format, prefill, "", Optional.empty());
    }
    int tool = index(tools, name);
    JsonNode parameters = tools.json().get(tool).path("function").get("parameters");
    JsonGrammar arguments =
        arguments(parameters == null || parameters.isNull() ? null : parameters, name, tool);
    return new ReplyPlan(
        prompt, format, prefill, syntax.suffix(), Optional.of(constraint(arguments, chat, model)));
  }

  /** A parser for one choice's reply, or null when replies are not read for calls. */
  ToolCallParser parser(boolean parallel, Supplier<String> ids) {
    return callFormat == null ? null : new ToolCallParser(callFormat, parallel, ids);
  }

  /** The reply's whole text: the prefill, what the model wrote, and the closing once complete. */
  String text(GenerationResult r) {
    return prefill + r.text() + closingAfter(r);
  }

  /** The closing, when {@code r} completed a forced call's arguments; else empty. */
  String closingAfter(GenerationResult r) {
    return !closing.isEmpty() && r.finishReason() == FinishReason.STOP ? closing : "";
  }

  private static Optional<JsonGrammar> grammar(JsonNode responseFormat) {
    try {
      return JsonGrammar.fromResponseFormat(responseFormat, JsonLimits.DEFAULTS);
    } catch (UnsupportedSchemaException e) {
      throw ApiException.invalid(
          "Invalid 'response_format.json_schema.schema': "
              + e.getMessage()
              + ". Lathe enforces the subset of JSON Schema that OpenAI's strict mode allows.",
          "response_format.json_schema.schema");
    } catch (JsonConstraintException e) {
      throw ApiException.invalid(
          "Invalid 'response_format': " + e.getMessage() + ".", "response_format");
    }
  }

  private static JsonConstraint constraint(JsonGrammar grammar, ChatModel chat, String model) {
    try {
      return JsonConstraint.of(grammar, chat.tokenizer());
    } catch (JsonConstraintException e) {
      throw ApiException.invalid(
          "The model `" + model + "` cannot write this JSON: " + e.getMessage() + ".",
          "response_format");
    }
  }

  /**
   * For {@code auto} with {@code strict} tools: every call the model starts is held to its tool's
   * schema (a non-strict tool's arguments to any object), while the text around calls stays free.
   * Not possible, so not done, where the call is the whole reply (Llama 3.1's JSON calls) or its
   * JSON is escaped (Lathe's plain format); those replies are read as written.
   */
  private static Optional<TokenConstraint> strictCalls(
      ChatModel chat, ChatTools tools, CallSyntax syntax, String model) {
    boolean strict = false;
    for (JsonNode tool : tools.json()) {
      strict |= tool.path("function").path("strict").asBoolean(false);
    }
    String before = syntax.beforeName();
    int start = before.indexOf('{');
    if (before.indexOf('[') >= 0 && before.indexOf('[') < start) {
      start = before.indexOf('[');
    }
    if (!strict || syntax.argumentsEscaped() || start <= 0) {
      return Optional.empty();
    }
    String argumentsKey = syntax.afterName().split("\"")[2]; // `", "arguments": `
    JsonNodeFactory f = JsonNodeFactory.instance;
    ArrayNode calls = f.arrayNode();
    for (int i = 0; i < tools.json().size(); i++) {
      JsonNode function = tools.json().get(i).get("function");
      JsonNode parameters = function.get("parameters");
      boolean held = function.path("strict").asBoolean(false) && parameters != null;
      if (held) {
        arguments(parameters, function.get("name").asText(), i); // names a bad schema's tool
      }
      ObjectNode call = calls.addObject().put("type", "object");
      ObjectNode properties = call.putObject("properties");
      properties.putObject("name").put("const", function.get("name").asText());
      properties.set(argumentsKey, held ? parameters : f.objectNode().put("type", "object"));
      call.putArray("required").add("name").add(argumentsKey);
      call.put("additionalProperties", false);
    }
    ObjectNode one = f.objectNode();
    one.set("anyOf", calls);
    JsonNode document =
        before.charAt(start) == '[' ? f.objectNode().put("type", "array").set("items", one) : one;
    JsonGrammar grammar = JsonGrammar.fromSchema(document, JsonLimits.DEFAULTS);
    return Optional.of(
        new TriggeredConstraint(
            constraint(grammar, chat, model), before.substring(0, start), chat.tokenizer()));
  }

  /** The grammar of a function's {@code parameters}; a schema Lathe cannot hold to is a 400. */
  private static JsonGrammar arguments(JsonNode parameters, String name, int index) {
    try {
      return parameters == null
          ? JsonGrammar.anyObject(JsonLimits.DEFAULTS)
          : JsonGrammar.fromSchema(parameters, JsonLimits.DEFAULTS);
    } catch (JsonConstraintException e) {
      throw ApiException.invalid(
          "Invalid 'parameters' of function '" + name + "': " + e.getMessage() + ".",
          "tools[" + index + "].function.parameters");
    }
  }

  /** For {@code required}: the tool the model finds likeliest to name after the call's opening. */
  private static String likeliestName(
      ChatModel chat, int[] prompt, ChatTools tools, CallSyntax syntax) {
    List<String> names = new ArrayList<>();
    for (JsonNode tool : tools.json()) {
      names.add(tool.path("function").path("name").asText());
    }
    if (names.size() == 1) {
      return names.getFirst();
    }
    int[] context = then(prompt, chat.prompts().rendered(syntax.beforeName(), false));
    List<int[]> candidates = new ArrayList<>();
    for (String name : names) {
      candidates.add(chat.prompts().rendered(name + syntax.afterName(), false));
    }
    return names.get(ContinuationScores.mostLikely(chat.model(), context, candidates));
  }

  /** {@code a} followed by {@code b}. */
  private static int[] then(int[] a, int[] b) {
    int[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  private static int index(ChatTools tools, String name) {
    JsonNode all = tools.json();
    for (int i = 0; i < all.size(); i++) {
      if (name.equals(all.get(i).path("function").path("name").asText())) {
        return i;
      }
    }
    throw new IllegalStateException("tool_choice names '" + name + "', which the checks let pass");
  }
}
