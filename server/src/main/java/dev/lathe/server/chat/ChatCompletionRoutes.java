package dev.lathe.server.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.inference.ChatModel;
import dev.lathe.inference.FinishReason;
import dev.lathe.inference.GenerationListener;
import dev.lathe.inference.GenerationResult;
import dev.lathe.inference.TokenLogprob;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.http.JsonBody;
import dev.lathe.server.http.SseStream;
import dev.lathe.server.store.Ids;
import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.tokenizer.TextTokenizer;
import dev.lathe.tokenizer.tools.ToolCallDelta;
import dev.lathe.tokenizer.tools.ToolCallOutput;
import dev.lathe.tokenizer.tools.ToolCallParser;
import dev.lathe.tokenizer.tools.ToolCallStream;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code POST /v1/chat/completions}: messages through the model's chat template (the plain {@code
 * System:/User:/Assistant:} format for template-less models), sampled with the request's fields,
 * answered whole or streamed as {@code chat.completion.chunk} events. Every body field is first
 * checked against {@link RequestFields#CHAT}; with {@code "store": true} the answer (assembled, for
 * a stream) is kept by {@link StoredCompletionRoutes}.
 */
public final class ChatCompletionRoutes {
  private final CompletionRunner runner;
  private final ObjectMapper json;
  private final InstantSource clock;
  private final Ids ids;
  private final Supplier<String> callIds;
  private final StoredCompletionRoutes stored;

  public ChatCompletionRoutes(
      CompletionRunner runner,
      ObjectMapper json,
      InstantSource clock,
      Ids ids,
      StoredCompletionRoutes stored) {
    this.runner = runner;
    this.json = json;
    this.clock = clock;
    this.ids = ids;
    this.callIds = () -> ids.next("call_", 24);
    this.stored = stored;
  }

  public void register(Javalin app) {
    app.post("/v1/chat/completions", this::complete);
  }

  /** A chat request's fields, each checked. */
  private record Request(
      JsonNode body,
      String model,
      List<ChatMessage> messages,
      ChatTools tools,
      SamplingFields fields) {}

  private Request read(JsonNode body) {
    RequestFields.CHAT.check(body);
    String model = JsonBody.requiredString(body, "model");
    List<ChatMessage> messages = ChatRequestMessages.read(body, json);
    return new Request(
        body,
        model,
        messages,
        ChatTools.read(body, messages, json),
        SamplingFields.read(body, dev.lathe.inference.GenerationRequest.UNLIMITED, true));
  }

  private void complete(Context ctx) throws IOException {
    Request request = read(JsonBody.object(ctx, json));
    Caller caller = Caller.of(ctx);
    StoredCompletionRoutes.Keeper keeper = stored.keeper(request.body(), caller);
    if (request.fields().stream()) {
      stream(
          ctx,
          caller,
          keeper,
          request.model(),
          request.messages(),
          request.tools(),
          request.body().get("response_format"),
          request.fields(),
          ids.next("chatcmpl-", 29),
          clock.instant().getEpochSecond());
      return;
    }
    ObjectNode root = reply(caller, request);
    keeper.keep(root);
    ctx.json(root);
  }

  /**
   * The whole {@code chat.completion} that {@code POST /v1/chat/completions} answers {@code body}
   * with (not streamed, not stored), for {@code caller}: for in-process callers such as eval runs.
   * A bad request is an {@link ApiException}, as on the route.
   */
  public ObjectNode reply(Caller caller, JsonNode body) throws IOException {
    return reply(caller, read(body));
  }

  private ObjectNode reply(Caller caller, Request request) throws IOException {
    String model = request.model();
    List<ChatMessage> messages = request.messages();
    ChatTools tools = request.tools();
    SamplingFields fields = request.fields();
    JsonNode body = request.body();
    String id = ids.next("chatcmpl-", 29);
    long created = clock.instant().getEpochSecond();
    ArrayNode choices = json.createArrayNode();
    long[] completionTokens = {0};
    ReplyPlan[] plan = {null};
    JsonNode format = body.get("response_format");
    int promptTokens =
        run(
            caller,
            model,
            messages,
            tools,
            format,
            fields,
            plan,
            new CompletionRunner.ChoiceSink() {
              @Override
              public GenerationListener listener(int index, TextTokenizer tokenizer) {
                return GenerationListener.NONE;
              }

              @Override
              public void finished(int index, GenerationResult r, TextTokenizer tokenizer) {
                completionTokens[0] += r.completionTokens();
                ToolCallParser parser = plan[0].parser(tools.parallel(), callIds);
                String text = plan[0].text(r);
                ToolCallOutput reply = parser == null ? null : parser.parse(text);
                choices.add(choiceObject(index, r, tokenizer, fields, text, reply));
              }
            });
    ObjectNode root =
        completionObject(
            id,
            created,
            model,
            choices,
            runner.usage((long) promptTokens * fields.n(), completionTokens[0]));
    return root;
  }

  /**
   * One choice of a whole {@code chat.completion}: {@code text} is the reply (a forced call's
   * opening included), {@code reply} its calls as read (null when it is not read for calls).
   */
  private ObjectNode choiceObject(
      int index,
      GenerationResult r,
      TextTokenizer tokenizer,
      SamplingFields fields,
      String text,
      ToolCallOutput reply) {
    ObjectNode choice = json.createObjectNode();
    choice.put("index", index);
    ObjectNode message = choice.putObject("message");
    message.put("role", "assistant");
    message.put("content", reply == null ? text : reply.content());
    message.putNull("refusal");
    message.putArray("annotations");
    boolean called = reply != null && reply.hasCalls();
    if (called) {
      ArrayNode calls = message.putArray("tool_calls");
      reply.calls().forEach(call -> ChatTools.callJson(calls, call));
    }
    if (fields.logprobs()) {
      ObjectNode lp = choice.putObject("logprobs");
      lp.set("content", runner.chatLogprobs(r.logprobs(), t -> piece(tokenizer, t)));
      lp.putNull("refusal");
    } else {
      choice.putNull("logprobs");
    }
    choice.put("finish_reason", finishReason(r, called));
    return choice;
  }

  /** A whole {@code chat.completion} object. */
  private ObjectNode completionObject(
      String id, long created, String model, ArrayNode choices, ObjectNode usage) {
    ObjectNode root = json.createObjectNode();
    root.put("id", id);
    root.put("object", "chat.completion");
    root.put("created", created);
    root.put("model", model);
    root.set("choices", choices);
    root.set("usage", usage);
    root.put("service_tier", "default");
    root.putNull("system_fingerprint");
    return root;
  }

  private void stream(
      Context ctx,
      Caller caller,
      StoredCompletionRoutes.Keeper keeper,
      String model,
      List<ChatMessage> messages,
      ChatTools tools,
      JsonNode format,
      SamplingFields fields,
      String id,
      long created)
      throws IOException {
    SseStream[] sse = {null};
    long[] completionTokens = {0};
    ReplyPlan[] plan = {null};
    ToolCallStream[] calls = new ToolCallStream[fields.n()];
    ArrayNode choices = json.createArrayNode(); // the whole answer, assembled for the keeper
    try {
      int promptTokens =
          run(
              caller,
              model,
              messages,
              tools,
              format,
              fields,
              plan,
              new CompletionRunner.ChoiceSink() {
                @Override
                public GenerationListener listener(int index, TextTokenizer tokenizer) {
                  if (sse[0] == null) {
                    try {
                      sse[0] = new SseStream(ctx, json);
                    } catch (IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  }
                  ToolCallParser parser = plan[0].parser(tools.parallel(), callIds);
                  calls[index] = parser == null ? null : parser.stream();
                  List<ToolCallDelta> prefilled =
                      calls[index] == null ? List.of() : calls[index].push(plan[0].prefill());
                  ObjectNode first = chunk(id, created, model, fields);
                  ObjectNode delta = choice(first, index).putObject("delta");
                  delta.put("role", "assistant");
                  if (calls[index] == null) {
                    delta.put("content", "");
                  } else {
                    delta.putNull("content"); // as OpenAI, when the reply may be calls alone
                  }
                  sse[0].send(first);
                  for (ToolCallDelta d : prefilled) {
                    sse[0].send(deltaChunk(chunk(id, created, model, fields), index, d));
                  }
                  return new GenerationListener() {
                    private TokenLogprob pending;

                    @Override
                    public void onToken(int token, TokenLogprob logprob) {
                      pending = logprob;
                    }

                    @Override
                    public void onText(String text) {
                      if (calls[index] != null) {
                        sendDeltas(calls[index].push(text));
                        return;
                      }
                      ObjectNode c = chunk(id, created, model, fields);
                      ObjectNode ch = choice(c, index);
                      ch.putObject("delta").put("content", text);
                      if (fields.obfuscate()) {
                        c.put("obfuscation", obfuscation(text));
                      }
                      if (fields.logprobs() && pending != null) {
                        ObjectNode lp = ch.putObject("logprobs");
                        lp.set(
                            "content",
                            runner.chatLogprobs(List.of(pending), t -> piece(tokenizer, t)));
                        lp.putNull("refusal");
                        pending = null;
                      }
                      sse[0].send(c);
                    }

                    /** Content and tool-call deltas as OpenAI streams them (no logprobs). */
                    private void sendDeltas(List<ToolCallDelta> deltas) {
                      for (ToolCallDelta d : deltas) {
                        sse[0].send(deltaChunk(chunk(id, created, model, fields), index, d));
                      }
                    }
                  };
                }

                @Override
                public void finished(int index, GenerationResult r, TextTokenizer tokenizer) {
                  completionTokens[0] += r.completionTokens();
                  boolean called = false;
                  ToolCallOutput reply = null;
                  if (calls[index] != null) {
                    List<ToolCallDelta> rest =
                        new ArrayList<>(calls[index].push(plan[0].closingAfter(r)));
                    rest.addAll(calls[index].finish());
                    for (ToolCallDelta d : rest) {
                      sse[0].send(deltaChunk(chunk(id, created, model, fields), index, d));
                    }
                    reply = calls[index].output();
                    called = reply.hasCalls();
                  }
                  choices.add(choiceObject(index, r, tokenizer, fields, plan[0].text(r), reply));
                  ObjectNode last = chunk(id, created, model, fields);
                  ObjectNode ch = choice(last, index);
                  ch.putObject("delta");
                  ch.put("finish_reason", finishReason(r, called));
                  sse[0].send(last);
                }
              });
      ObjectNode usage = runner.usage((long) promptTokens * fields.n(), completionTokens[0]);
      if (fields.includeUsage()) {
        ObjectNode last = chunk(id, created, model, fields);
        last.putArray("choices");
        last.set("usage", usage);
        sse[0].send(last);
      }
      keeper.keep(completionObject(id, created, model, choices, usage));
      sse[0].done();
    } catch (ApiException e) {
      if (sse[0] == null) {
        throw e; // nothing sent yet: an ordinary error response
      }
      sse[0].error(e);
    }
  }

  private ObjectNode chunk(String id, long created, String model, SamplingFields fields) {
    ObjectNode c = json.createObjectNode();
    c.put("id", id);
    c.put("object", "chat.completion.chunk");
    c.put("created", created);
    c.put("model", model);
    c.putNull("system_fingerprint");
    c.putArray("choices");
    if (fields.includeUsage()) {
      c.putNull("usage");
    }
    return c;
  }

  /**
   * Runs the choices of a chat request through the runner, once the model is known deciding the
   * reply's {@link ReplyPlan} (kept in {@code plan} for the sink); returns the prompt's length.
   */
  private int run(
      Caller caller,
      String model,
      List<ChatMessage> messages,
      ChatTools tools,
      JsonNode format,
      SamplingFields fields,
      ReplyPlan[] plan,
      CompletionRunner.ChoiceSink sink)
      throws IOException {
    return runner.run(
        caller,
        model,
        chat -> {
          plan[0] = ReplyPlan.of(chat, messages, tools, format, model);
          return new CompletionRunner.Prompt(plan[0].prompt(), plan[0].constraint());
        },
        ChatModel::chatStops,
        fields,
        sink,
        "messages");
  }

  /** {@code chunk} carrying one content or tool-call delta of choice {@code index}. */
  private static ObjectNode deltaChunk(ObjectNode chunk, int index, ToolCallDelta d) {
    ObjectNode delta = choice(chunk, index).putObject("delta");
    switch (d) {
      case ToolCallDelta.Content t -> delta.put("content", t.text());
      case ToolCallDelta.Start start -> {
        ObjectNode call = delta.putArray("tool_calls").addObject();
        call.put("index", start.index());
        call.put("id", start.id());
        call.put("type", "function");
        call.putObject("function").put("name", start.name()).put("arguments", "");
      }
      case ToolCallDelta.Arguments a -> {
        ObjectNode call = delta.putArray("tool_calls").addObject();
        call.put("index", a.index());
        call.putObject("function").put("arguments", a.fragment());
      }
    }
    return chunk;
  }

  /**
   * {@code tool_calls} when the reply's calls were read and it was not cut off, else the result's.
   */
  private static String finishReason(GenerationResult r, boolean called) {
    return called && r.finishReason() == FinishReason.STOP
        ? "tool_calls"
        : r.finishReason().wireName();
  }

  /**
   * {@code stream_options.include_obfuscation}: random letters and digits that bring a content
   * chunk's text to the next multiple of 16 characters, so its size says less about the token.
   */
  private String obfuscation(String text) {
    return ids.next("", 16 - text.length() % 16);
  }

  private static ObjectNode choice(ObjectNode chunk, int index) {
    ObjectNode ch = ((ArrayNode) chunk.get("choices")).addObject();
    ch.put("index", index);
    ch.putNull("logprobs");
    ch.putNull("finish_reason");
    return ch;
  }

  static String piece(TextTokenizer tokenizer, int token) {
    return tokenizer.decode(new int[] {token});
  }
}
