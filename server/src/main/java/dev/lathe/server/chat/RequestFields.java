package dev.lathe.server.chat;

import static dev.lathe.server.chat.RequestField.accepted;
import static dev.lathe.server.chat.RequestField.implemented;
import static dev.lathe.server.chat.RequestField.oneOf;
import static dev.lathe.server.chat.RequestField.refused;
import static dev.lathe.server.chat.RequestField.refusedUnless;
import static dev.lathe.server.chat.RequestField.string;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.server.http.JsonBody;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one list of the request fields of {@code POST /v1/chat/completions} and the legacy {@code
 * POST /v1/completions}: every field of OpenAI's API reference (as of openai-java 4.101), each
 * implemented, accepted without effect (saying why that changes nothing), left to another part of
 * the server, or refused by name with what to do instead. A field the reference does not have is
 * refused as OpenAI refuses it ({@code Unrecognized request argument supplied: x}). A refused field
 * sent as {@code null} is taken as absent, as OpenAI reads a null.
 *
 * <p>The README's tables are {@link #markdown()} of {@link #CHAT} and {@link #COMPLETIONS} (a test
 * keeps them equal).
 */
public final class RequestFields {
  private static final String CACHE =
      "Lathe keeps no prompt cache between requests (`cached_tokens` is always 0)";
  private static final String MONITORING =
      "Lathe does no abuse monitoring; kept with a stored completion";

  /** Chat Completions. */
  public static final RequestFields CHAT =
      new RequestFields(
          List.of(
              implemented(
                  "model", "a configured base, an alias or one of the project's `ft:` models"),
              implemented(
                  "messages",
                  "roles `system`, `developer` (as system), `user`, `assistant`, `tool`; text or"
                      + " text parts (other parts are a 400)"),
              implemented("temperature", "0-2; 0 is greedy"),
              implemented("top_p", "0-1"),
              implemented("n", "1-128"),
              implemented("stream", "server-sent `chat.completion.chunk` events, then `[DONE]`"),
              implemented(
                  "stream_options",
                  "`include_usage`; `include_obfuscation` (default true) pads content chunks with"
                      + " a random `obfuscation` string to a multiple of 16 characters"),
              implemented("stop", "a string or up to 4"),
              implemented("max_tokens", "deprecated by OpenAI; `max_completion_tokens` wins"),
              implemented("max_completion_tokens", "default: until a stop or the context is full"),
              implemented("frequency_penalty", "-2 to 2"),
              implemented("presence_penalty", "-2 to 2"),
              implemented("seed", "same seed, same text; choice i uses seed + i"),
              implemented("logprobs", "the model's own distribution (before penalties and bias)"),
              implemented("top_logprobs", "0-20; needs `logprobs`"),
              implemented(
                  "logit_bias",
                  "token id of the model's tokenizer to -100..100, added to its logit; an id"
                      + " outside the vocabulary is a 400"),
              implemented(
                  "store", "keeps request and response: `GET /v1/chat/completions` and friends"),
              implemented("metadata", "at most 16 string pairs (keys 64, values 512 characters)"),
              accepted(
                  "service_tier",
                  "`auto` or `default`; the answer says `default` (other tiers are a 400)",
                  oneOf(List.of("auto", "default"))),
              accepted("user", MONITORING, string(256)),
              accepted("safety_identifier", MONITORING, string(64)),
              accepted("prompt_cache_key", CACHE, string(1024)),
              accepted("prompt_cache_retention", CACHE, oneOf(List.of("in_memory", "24h"))),
              accepted("prompt_cache_options", CACHE, RequestField.object()),
              implemented(
                  "tools",
                  "function tools, rendered by the model's chat template (Lathe's plain format"
                      + " without one); `strict` holds calls to the schema"),
              implemented(
                  "tool_choice",
                  "`none` (rendered, not read), `auto`, `required` or a named function (the call"
                      + " is forced, its arguments held to the schema)"),
              implemented("parallel_tool_calls", "`false`: at most the first call is returned"),
              implemented(
                  "response_format",
                  "`text`, `json_object`, `json_schema` (strict subset), enforced by constrained"
                      + " decoding"),
              refused("audio", "Lathe's models read and write text only; leave it out"),
              refusedUnless(
                  "modalities",
                  "Lathe's models write text only; send `[\"text\"]` or leave it out",
                  v -> v.isArray() && v.size() == 1 && "text".equals(v.get(0).asText())),
              refused(
                  "prediction",
                  "predicted outputs are not implemented; leave it out (the answer is the same)"),
              refused("reasoning_effort", "Lathe's models have no reasoning setting; leave it out"),
              refused("verbosity", "Lathe's models have no verbosity setting; use the prompt"),
              refused("web_search_options", "Lathe has no web search; leave it out"),
              refused(
                  "moderation",
                  "Lathe runs no moderation model; moderate before or after the call"),
              refused("functions", "deprecated by OpenAI; use `tools`"),
              refused("function_call", "deprecated by OpenAI; use `tool_choice`")));

  /** Legacy Completions. */
  public static final RequestFields COMPLETIONS =
      new RequestFields(
          List.of(
              implemented(
                  "model", "a configured base, an alias or one of the project's `ft:` models"),
              implemented("prompt", "a string or an array of strings (token-id arrays are a 400)"),
              implemented("temperature", "0-2; 0 is greedy"),
              implemented("top_p", "0-1"),
              implemented("n", "1-128 per prompt"),
              implemented("stream", "server-sent `text_completion` events, then `[DONE]`"),
              implemented(
                  "stream_options",
                  "`include_usage`; `include_obfuscation` is accepted and adds nothing (OpenAI"
                      + " defines it for chat chunks)"),
              implemented("stop", "a string or up to 4"),
              implemented("max_tokens", "default 16"),
              implemented("frequency_penalty", "-2 to 2"),
              implemented("presence_penalty", "-2 to 2"),
              implemented("seed", "same seed, same text; choice i uses seed + i"),
              implemented("logprobs", "0-5 alternatives per token"),
              implemented("echo", "the prompt before the completion"),
              implemented(
                  "logit_bias",
                  "token id of the model's tokenizer to -100..100, added to its logit; an id"
                      + " outside the vocabulary is a 400"),
              accepted("user", "Lathe does no abuse monitoring", string(256)),
              refusedUnless(
                  "best_of",
                  "only 1 (server-side best-of is not implemented); ask for `n` choices and"
                      + " rank them with `logprobs`",
                  v -> v.isIntegralNumber() && v.asLong() == 1),
              refused(
                  "suffix",
                  "insertion (fill-in-the-middle) is not implemented; send the text before the"
                      + " gap as `prompt`")));

  private final Map<String, RequestField> fields = new LinkedHashMap<>();

  private RequestFields(List<RequestField> list) {
    for (RequestField f : list) {
      if (fields.put(f.name(), f) != null) {
        throw new IllegalArgumentException("field listed twice: " + f.name());
      }
    }
  }

  /** The fields in the table's order. */
  public List<RequestField> fields() {
    return List.copyOf(fields.values());
  }

  /**
   * Answers the first field of {@code body} that the reference does not have, or that Lathe
   * refuses, or whose value an accepted field cannot take, with a 400 naming it.
   */
  public void check(JsonNode body) {
    body.fields()
        .forEachRemaining(
            e -> {
              RequestField field = fields.get(e.getKey());
              if (field == null) {
                throw JsonBody.unrecognized(e.getKey());
              }
              if (!e.getValue().isNull()) {
                field.check().check(field, e.getValue());
              }
            });
  }

  /** The table as Markdown: field, status, note. */
  public String markdown() {
    StringBuilder out = new StringBuilder("| field | status | note |\n| --- | --- | --- |\n");
    for (RequestField f : fields.values()) {
      out.append("| `")
          .append(f.name())
          .append("` | ")
          .append(f.support().label())
          .append(" | ")
          .append(f.note().replace("|", "\\|"))
          .append(" |\n");
    }
    return out.toString();
  }
}
