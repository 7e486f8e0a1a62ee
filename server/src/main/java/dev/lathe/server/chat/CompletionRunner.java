package dev.lathe.server.chat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.inference.BatchScheduler;
import dev.lathe.inference.ChatModel;
import dev.lathe.inference.GenerationListener;
import dev.lathe.inference.GenerationRequest;
import dev.lathe.inference.GenerationResult;
import dev.lathe.inference.Generator;
import dev.lathe.inference.TokenConstraint;
import dev.lathe.inference.TokenLogprob;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.models.ModelRegistry;
import dev.lathe.server.telemetry.ServerMetrics;
import dev.lathe.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Runs completions for the chat and legacy routes: resolves the model name (a base, an alias or a
 * fine-tune) for the caller, takes its weights from the {@link ModelRegistry}, checks the prompt
 * fits the context, and generates each choice in turn, decoding with the other requests on the same
 * base ({@link BatchScheduler}).
 */
public final class CompletionRunner {
  private final ModelRegistry registry;
  private final ObjectMapper json;
  private final ServerMetrics metrics;
  private final BatchScheduler scheduler;

  /**
   * A runner taking models from {@code registry}, decoding concurrent completions of one base
   * together through {@code scheduler}.
   */
  public CompletionRunner(
      ModelRegistry registry, ObjectMapper json, ServerMetrics metrics, BatchScheduler scheduler) {
    this.registry = registry;
    this.json = json;
    this.metrics = metrics;
    this.scheduler = scheduler;
  }

  /**
   * A completion's prompt and what holds its tokens, if anything (e.g. a JSON grammar).
   *
   * @param ids the prompt's token ids
   * @param constraint the tokens each choice may choose, or empty
   */
  record Prompt(int[] ids, Optional<TokenConstraint> constraint) {

    /** A free prompt. */
    static Prompt of(int[] ids) {
      return new Prompt(ids, Optional.empty());
    }
  }

  /** Receives one choice's generation as it happens. */
  interface ChoiceSink {
    /** A listener for choice {@code index} (called before it starts). */
    GenerationListener listener(int index, TextTokenizer tokenizer);

    /** Choice {@code index} ended with {@code result} (the model is still held). */
    void finished(int index, GenerationResult result, TextTokenizer tokenizer);
  }

  /**
   * Generates {@code fields.n()} choices of {@code model} after the prompt {@code encode} makes;
   * {@code extraStops} adds stop strings a model's chat format needs. Returns the prompt's length
   * in tokens.
   */
  int run(
      Caller caller,
      String model,
      Function<ChatModel, Prompt> encode,
      Function<ChatModel, List<String>> extraStops,
      SamplingFields fields,
      ChoiceSink sink,
      String promptParam)
      throws IOException {
    ModelRegistry.Resolved resolved =
        registry
            .resolve(model, caller)
            .orElseThrow(() -> ApiException.modelNotFound(model, "model"));
    try (ModelRegistry.Lease lease = registry.acquireShared(resolved)) {
      ChatModel chat = lease.model();
      fields.checkLogitBias(
          Math.min(chat.model().vocabularySize(), chat.tokenizer().vocabularySize()));
      Prompt planned = encode.apply(chat);
      int[] prompt = planned.ids();
      int context = chat.model().contextLength();
      if (prompt.length >= context) {
        throw new ApiException(
            400,
            "invalid_request_error",
            "This model's maximum context length is "
                + context
                + " tokens. However, your "
                + promptParam
                + " resulted in "
                + prompt.length
                + " tokens. Please reduce the length of the "
                + promptParam
                + ".",
            promptParam,
            "context_length_exceeded");
      }
      int budget = Generator.tokenBudget(context, prompt.length, fields.maxTokens());
      int needed = planned.constraint().map(TokenConstraint::minimumTokens).orElse(0);
      if (needed > budget) { // refused before any choice starts streaming
        throw ApiException.invalid(
            "The shortest reply the requested format admits is "
                + needed
                + " bytes, which may take as many tokens, but only "
                + budget
                + " are left (the model's context holds "
                + context
                + " tokens, the "
                + promptParam
                + " take "
                + prompt.length
                + "): raise max_tokens or shorten the "
                + promptParam
                + ".",
            "max_tokens");
      }
      List<String> stops = extraStops.apply(chat);
      TextTokenizer tokenizer = chat.tokenizer();
      for (int i = 0; i < fields.n(); i++) {
        GenerationRequest request = fields.request(i, chat.stopTokenIds(), stops);
        if (planned.constraint().isPresent()) {
          request = request.withConstraint(planned.constraint().get());
        }
        Timed timed = new Timed(sink.listener(i, tokenizer));
        GenerationResult result =
            scheduler.generate(chat.model(), tokenizer, prompt, request, timed, () -> false);
        timed.record(resolved.base(), result);
        sink.finished(i, result, tokenizer);
      }
      return prompt.length;
    }
  }

  /** A choice's listener that also times its first token and the rest, for the metrics. */
  private final class Timed implements GenerationListener {
    private final GenerationListener inner;
    private final long start = metrics.nanoTime();
    private long first = -1;

    Timed(GenerationListener inner) {
      this.inner = inner;
    }

    @Override
    public void onToken(int token, TokenLogprob logprob) {
      if (first < 0) {
        first = metrics.nanoTime();
      }
      inner.onToken(token, logprob);
    }

    @Override
    public void onText(String delta) {
      inner.onText(delta);
    }

    void record(String base, GenerationResult result) {
      long end = metrics.nanoTime();
      long firstAt = first < 0 ? end : first;
      metrics.generation(
          base, result.promptTokens(), result.completionTokens(), firstAt - start, end - firstAt);
    }
  }

  /** OpenAI's {@code usage} object. */
  ObjectNode usage(long prompt, long completion) {
    ObjectNode u = json.createObjectNode();
    u.put("prompt_tokens", prompt);
    u.put("completion_tokens", completion);
    u.put("total_tokens", prompt + completion);
    ObjectNode pd = u.putObject("prompt_tokens_details");
    pd.put("cached_tokens", 0);
    pd.put("audio_tokens", 0);
    ObjectNode cd = u.putObject("completion_tokens_details");
    cd.put("reasoning_tokens", 0);
    cd.put("audio_tokens", 0);
    cd.put("accepted_prediction_tokens", 0);
    cd.put("rejected_prediction_tokens", 0);
    return u;
  }

  /** Chat's {@code logprobs.content} entries for {@code logprobs}. */
  ArrayNode chatLogprobs(List<TokenLogprob> logprobs, IntFunction<String> text) {
    ArrayNode content = json.createArrayNode();
    for (TokenLogprob lp : logprobs) {
      ObjectNode entry = tokenEntry(lp.token(), lp.logprob(), text);
      ArrayNode top = entry.putArray("top_logprobs");
      for (TokenLogprob.Alternative alt : lp.top()) {
        top.add(tokenEntry(alt.token(), alt.logprob(), text));
      }
      content.add(entry);
    }
    return content;
  }

  private ObjectNode tokenEntry(int token, float logprob, IntFunction<String> text) {
    ObjectNode o = json.createObjectNode();
    String piece = text.apply(token);
    o.put("token", piece);
    o.put("logprob", Float.isFinite(logprob) ? logprob : -9999.0);
    ArrayNode bytes = o.putArray("bytes");
    for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
      bytes.add(b & 0xff);
    }
    return o;
  }
}
