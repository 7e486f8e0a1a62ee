package dev.lathe.server.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.inference.ChatModel;
import dev.lathe.inference.ContinuationScores;
import dev.lathe.inference.FinishReason;
import dev.lathe.inference.GenerationResult;
import dev.lathe.inference.TokenConstraint;
import dev.lathe.inference.json.JsonConstraint;
import dev.lathe.inference.json.JsonConstraintException;
import dev.lathe.inference.json.JsonGrammar;
import dev.lathe.inference.json.JsonLimits;
import dev.lathe.inference.json.UnsupportedSchemaException;
import dev.lathe.server.http.ApiException;
import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.tokenizer.tools.CallSyntax;
import dev.lathe.tokenizer.tools.ToolCallFormat;
import dev.lathe.tokenizer.tools.ToolCallParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What one chat reply is held to, decided once the model is known:
 *
 * <ul>
 *   <li>free text, read for tool calls when the request has tools ({@link ChatTools});
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
      return new ReplyPlan(rendered.prompt(), rendered.format(), "", "", Optional.empty());
    }
    ToolCallFormat format = rendered.format();
    CallSyntax syntax = format.syntax();
    String name =
        tools
            .choice()
            .functionName()
            .orElseGet(() -> likeliestName(chat, rendered.prompt(), tools, syntax));
    String prefill = syntax.prefix(name);
    int[] opening = chat.prompts().rendered(prefill, false);
    int[] prompt = new int[rendered.prompt().length + opening.length];
    System.arraycopy(rendered.prompt(), 0, prompt, 0, rendered.prompt().length);
    System.arraycopy(opening, 0, prompt, rendered.prompt().length, opening.length);
    if (syntax.argumentsEscaped()) {
      return new ReplyPlan(prompt, format, prefill, "", Optional.empty());
    }
    JsonNode parameters = parameters(tools, name);
    JsonGrammar arguments;
    try {
      arguments =
          parameters == null
              ? JsonGrammar.anyObject(JsonLimits.DEFAULTS)
              : JsonGrammar.fromSchema(parameters, JsonLimits.DEFAULTS);
    } catch (UnsupportedSchemaException e) {
      throw ApiException.invalid(
          "Invalid 'parameters' of function '" + name + "': " + e.getMessage() + ".",
          "tools[" + index(tools, name) + "].function.parameters");
    } catch (JsonConstraintException e) {
      throw ApiException.invalid(
          "Invalid 'parameters' of function '" + name + "': " + e.getMessage() + ".",
          "tools[" + index(tools, name) + "].function.parameters");
    }
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

  private static TokenConstraint constraint(JsonGrammar grammar, ChatModel chat, String model) {
    try {
      return JsonConstraint.of(grammar, chat.tokenizer());
    } catch (JsonConstraintException e) {
      throw ApiException.invalid(
          "The model `" + model + "` cannot write this JSON: " + e.getMessage() + ".",
          "response_format");
    }
  }

  /** For {@code required}: the tool the model finds likeliest to name after the call's opening. */
  private static String likeliestName(
      ChatModel chat, int[] prompt, ChatTools tools, CallSyntax syntax) {
    List<String> names = new ArrayList<>();
    for (Map<String, Object> tool : tools.definitions()) {
      @SuppressWarnings("unchecked")
      Map<String, Object> function = (Map<String, Object>) tool.get("function");
      names.add((String) function.get("name"));
    }
    if (names.size() == 1) {
      return names.getFirst();
    }
    int[] opening = chat.prompts().rendered(syntax.beforeName(), false);
    int[] context = new int[prompt.length + opening.length];
    System.arraycopy(prompt, 0, context, 0, prompt.length);
    System.arraycopy(opening, 0, context, prompt.length, opening.length);
    List<int[]> candidates = new ArrayList<>();
    for (String name : names) {
      candidates.add(chat.prompts().rendered(name + syntax.afterName(), false));
    }
    return names.get(ContinuationScores.mostLikely(chat.model(), context, candidates));
  }

  private static JsonNode parameters(ChatTools tools, String name) {
    JsonNode function = tools.json().get(index(tools, name)).get("function");
    JsonNode parameters = function.get("parameters");
    return parameters == null || parameters.isNull() ? null : parameters;
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
