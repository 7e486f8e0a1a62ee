package dev.lathe.server.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.inference.GenerationListener;
import dev.lathe.inference.GenerationResult;
import dev.lathe.inference.TokenLogprob;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.http.JsonBody;
import dev.lathe.server.http.SseStream;
import dev.lathe.server.store.Ids;
import dev.lathe.tokenizer.TextTokenizer;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Legacy {@code POST /v1/completions}: a prompt (or an array of prompts) continued as plain text;
 * {@code max_tokens} defaults to 16 and {@code logprobs} is an integer 0-5, as in OpenAI's API.
 * Choice {@code p * n + i} is the {@code i}-th completion of prompt {@code p}. Every body field is
 * first checked against {@link RequestFields#COMPLETIONS}.
 */
public final class TextCompletionRoutes {
  private static final int DEFAULT_MAX_TOKENS = 16;

  private final CompletionRunner runner;
  private final ObjectMapper json;
  private final InstantSource clock;
  private final Ids ids;

  public TextCompletionRoutes(
      CompletionRunner runner, ObjectMapper json, InstantSource clock, Ids ids) {
    this.runner = runner;
    this.json = json;
    this.clock = clock;
    this.ids = ids;
  }

  public void register(Javalin app) {
    app.post("/v1/completions", this::complete);
  }

  private void complete(Context ctx) throws IOException {
    JsonNode body = JsonBody.object(ctx, json);
    RequestFields.COMPLETIONS.check(body);
    String model = JsonBody.requiredString(body, "model");
    List<String> prompts = prompts(body);
    SamplingFields fields = SamplingFields.read(body, DEFAULT_MAX_TOKENS, false);
    boolean echo = JsonBody.bool(body, "echo", false);
    String id = ids.next("cmpl-", 24);
    long created = clock.instant().getEpochSecond();
    Caller caller = Caller.of(ctx);
    SseStream sse = null;
    ArrayNode choices = json.createArrayNode();
    long promptTokens = 0;
    long[] completionTokens = {0};
    try {
      for (int p = 0; p < prompts.size(); p++) {
        String prompt = prompts.get(p);
        int base = p * fields.n();
        if (fields.stream() && sse == null) {
          sse = new SseStream(ctx, json);
        }
        SseStream out = sse;
        promptTokens +=
            (long) fields.n()
                * runner.run(
                    caller,
                    model,
                    chat -> CompletionRunner.Prompt.of(chat.prompts().prompt(prompt)),
                    chat -> List.of(),
                    fields,
                    new CompletionRunner.ChoiceSink() {
                      @Override
                      public GenerationListener listener(int index, TextTokenizer tokenizer) {
                        if (out == null) {
                          return GenerationListener.NONE;
                        }
                        if (echo) {
                          out.send(chunk(id, created, model, base + index, prompt, null));
                        }
                        return GenerationListener.text(
                            text -> out.send(chunk(id, created, model, base + index, text, null)));
                      }

                      @Override
                      public void finished(int index, GenerationResult r, TextTokenizer tok) {
                        completionTokens[0] += r.completionTokens();
                        String reason = r.finishReason().wireName();
                        if (out != null) {
                          out.send(chunk(id, created, model, base + index, "", reason));
                          return;
                        }
                        ObjectNode choice =
                            choiceNode(base + index, (echo ? prompt : "") + r.text(), reason);
                        if (fields.logprobs()) {
                          choice.set("logprobs", logprobs(r.logprobs(), tok));
                        }
                        choices.add(choice);
                      }
                    },
                    "prompt");
      }
    } catch (ApiException e) {
      if (sse == null) {
        throw e;
      }
      sse.error(e);
      return;
    }
    if (sse != null) {
      if (fields.includeUsage()) {
        ObjectNode usage = chunk(id, created, model, 0, "", null);
        usage.putArray("choices");
        usage.set("usage", runner.usage(promptTokens, completionTokens[0]));
        sse.send(usage);
      }
      sse.done();
      return;
    }
    ObjectNode root = json.createObjectNode();
    root.put("id", id);
    root.put("object", "text_completion");
    root.put("created", created);
    root.put("model", model);
    root.set("choices", choices);
    root.set("usage", runner.usage(promptTokens, completionTokens[0]));
    ctx.json(root);
  }

  private ObjectNode chunk(
      String id, long created, String model, int index, String text, String reason) {
    ObjectNode c = json.createObjectNode();
    c.put("id", id);
    c.put("object", "text_completion");
    c.put("created", created);
    c.put("model", model);
    c.putArray("choices").add(choiceNode(index, text, reason));
    return c;
  }

  private ObjectNode choiceNode(int index, String text, String reason) {
    ObjectNode choice = json.createObjectNode();
    choice.put("text", text);
    choice.put("index", index);
    choice.putNull("logprobs");
    choice.put("finish_reason", reason);
    return choice;
  }

  private ObjectNode logprobs(List<TokenLogprob> logprobs, TextTokenizer tokenizer) {
    ObjectNode o = json.createObjectNode();
    ArrayNode tokens = o.putArray("tokens");
    ArrayNode values = o.putArray("token_logprobs");
    ArrayNode top = o.putArray("top_logprobs");
    ArrayNode offsets = o.putArray("text_offset");
    int offset = 0;
    for (TokenLogprob lp : logprobs) {
      String piece = ChatCompletionRoutes.piece(tokenizer, lp.token());
      tokens.add(piece);
      values.add(lp.logprob());
      ObjectNode alternatives = top.addObject();
      for (TokenLogprob.Alternative alt : lp.top()) {
        alternatives.put(ChatCompletionRoutes.piece(tokenizer, alt.token()), alt.logprob());
      }
      offsets.add(offset);
      offset += piece.length();
    }
    return o;
  }

  /** {@code prompt}: a string or a non-empty array of strings. */
  private static List<String> prompts(JsonNode body) {
    JsonNode prompt = body.get("prompt");
    if (prompt == null || prompt.isNull()) {
      throw ApiException.invalid("Missing required parameter: 'prompt'.", "prompt");
    }
    if (prompt.isTextual()) {
      return List.of(prompt.asText());
    }
    if (prompt.isArray() && !prompt.isEmpty()) {
      List<String> out = new ArrayList<>();
      for (JsonNode p : prompt) {
        if (!p.isTextual()) {
          throw ApiException.invalid(
              "Invalid type for 'prompt': this server accepts a string or an array of strings"
                  + " (not token ids).",
              "prompt");
        }
        out.add(p.asText());
      }
      return out;
    }
    throw ApiException.invalid(
        "Invalid type for 'prompt': expected a string or a non-empty array of strings.", "prompt");
  }
}
