package dev.lathe.server.evals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.jobqueue.JobContext;
import dev.lathe.jobqueue.JobHandler;
import dev.lathe.jobqueue.JobOutcome;
import dev.lathe.jobqueue.NewEvent;
import dev.lathe.server.chat.ChatCompletionRoutes;
import dev.lathe.server.evals.graders.Grader;
import dev.lathe.server.evals.graders.GraderResult;
import dev.lathe.server.evals.graders.GradingInput;
import dev.lathe.server.evals.graders.Judge;
import dev.lathe.server.evals.graders.Sample;
import dev.lathe.server.evals.graders.ToolCall;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs an eval run on a worker (jobs of kind {@link #KIND}): for each data item not done yet, the
 * sample (the run's model answering the item's templated messages through the chat completions
 * path, or the data's own sample for a {@code jsonl} run), then every testing criterion's grade
 * (model graders judged by served models, {@link ModelJudge}); the item and its part of the run's
 * counts are written together as it finishes. A cancel stops it between items; a resumed run (a
 * lost lease, a restart) skips the items already written.
 */
public final class EvalRunHandler implements JobHandler {

  /** The job kind of eval runs. */
  public static final String KIND = "eval_run";

  private final EvalStore store;
  private final ChatCompletionRoutes chat;
  private final ObjectMapper json;
  private final InstantSource clock;

  public EvalRunHandler(
      EvalStore store, ChatCompletionRoutes chat, ObjectMapper json, InstantSource clock) {
    this.store = store;
    this.chat = chat;
    this.json = json;
    this.clock = clock;
  }

  @Override
  public JobOutcome run(JobContext context) throws Exception {
    JsonNode payload = json.readTree(context.job().payload());
    String runId = payload.get("run_id").asText();
    EvalStore.Run run = store.run(runId).orElse(null);
    EvalStore.Eval eval = run == null ? null : store.eval(run.evalId()).orElse(null);
    if (eval == null) {
      return JobOutcome.failed(error("run_deleted", "The run or its eval was deleted."));
    }
    List<Grader> graders = EvalDefinition.graders(eval.testingCriteria());
    Caller caller = new Caller(run.project(), false);
    Judge judge = new ModelJudge(chat, caller, json);
    ArrayNode rows = (ArrayNode) payload.get("rows");
    long seed = payload.get("seed").asLong();
    Set<Long> done = new HashSet<>();
    store.items(runId).forEach(i -> done.add(i.index()));
    if (!done.isEmpty()) {
      context.appendEvent(
          NewEvent.info(
              "Resuming at attempt "
                  + context.job().attempt()
                  + ": "
                  + done.size()
                  + " of "
                  + rows.size()
                  + " items were already graded"));
    }
    for (int index = 0; index < rows.size(); index++) {
      if (done.contains((long) index)) {
        continue;
      }
      if (context.shouldStop()) {
        return JobOutcome.stopped();
      }
      if (!grade(context, run, graders, judge, caller, rows.get(index), index, seed)) {
        return JobOutcome.failed(error("run_deleted", "The run was deleted while it ran."));
      }
    }
    context.appendEvent(NewEvent.info("Graded all " + rows.size() + " items").withKey("done"));
    return JobOutcome.succeeded("{}");
  }

  /** Samples and grades one item and records it; false when the run is gone. */
  private boolean grade(
      JobContext context,
      EvalStore.Run run,
      List<Grader> graders,
      Judge judge,
      Caller caller,
      JsonNode row,
      int index,
      long seed) {
    JsonNode item = row.get("item");
    Map<String, long[]> usage = new LinkedHashMap<>();
    ObjectNode sample;
    String sampleError = null;
    if (run.model() != null) {
      sample = json.createObjectNode();
      try {
        sample = sampled(run, caller, item, seed, usage);
      } catch (ApiException | InputMessages.ItemException e) {
        sampleError = e.getMessage();
        sample.set("error", errorNode("sampling_error", e.getMessage()));
      }
    } else {
      sample = given(row.get("sample"));
    }
    ArrayNode results = json.createArrayNode();
    Map<String, Boolean> verdicts = new LinkedHashMap<>();
    boolean errored = sampleError != null;
    boolean allPassed = true;
    if (!errored) {
      GradingInput input = new GradingInput(item, graderSample(sample));
      for (Grader g : graders) {
        GraderResult r;
        try {
          r = g.grade(input, judge);
        } catch (RuntimeException e) { // a judge model that cannot answer (unknown, too long)
          r = new GraderResult(g.name(), g.type(), 0, false, null, null, e.getMessage());
        }
        if (r.judgeUsage() != null) {
          long[] u = usage.computeIfAbsent(r.judgeUsage().model(), k -> new long[3]);
          u[0] += r.judgeUsage().invocations();
          u[1] += r.judgeUsage().promptTokens();
          u[2] += r.judgeUsage().completionTokens();
        }
        results.add(r.toJson());
        errored |= r.errored();
        verdicts.put(r.name(), r.passed());
        allPassed &= r.passed();
      }
    }
    String status = errored ? "error" : allPassed ? "pass" : "fail";
    EvalStore.OutputItem out =
        new EvalStore.OutputItem(
            itemId(run.id(), index),
            run.id(),
            index,
            clock.instant(),
            status,
            item,
            sample,
            results);
    if (store.run(run.id()).isEmpty()) {
      return false;
    }
    store.record(out, new RunProgress.ItemOutcome(status, verdicts), usage);
    context.appendEvent(NewEvent.info("Item " + index + ": " + status).withKey("item-" + index));
    return true;
  }

  /**
   * The output item id of a run's item: derived from the run and the index (the first 32 hex digits
   * of their SHA-256), so every attempt that grades the item names it alike and a second write of
   * it is the same row, not a new one.
   */
  static String itemId(String runId, int index) {
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest((runId + "/" + index).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "outputitem_" + java.util.HexFormat.of().formatHex(digest).substring(0, 32);
    } catch (java.security.NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }

  /** The run's model answering the item: OpenAI's sample object. */
  private ObjectNode sampled(
      EvalStore.Run run, Caller caller, JsonNode item, long seed, Map<String, long[]> usage)
      throws ApiException {
    JsonNode source = run.dataSource();
    Sampling sampling = Sampling.read(source.get("sampling_params"), "data_source.sampling_params");
    ObjectNode body = json.createObjectNode();
    body.put("model", run.model());
    ArrayNode messages = InputMessages.render(source.get("input_messages"), item, json);
    body.set("messages", messages);
    sampling.into(body, seed);
    ObjectNode completion;
    try {
      completion = chat.reply(caller, body);
    } catch (java.io.IOException e) {
      throw new ApiException(
          500, "server_error", "cannot load " + run.model() + ": " + e.getMessage(), null, null);
    }
    JsonNode choice = completion.get("choices").get(0);
    JsonNode u = completion.get("usage");
    long[] sum = usage.computeIfAbsent(run.model(), k -> new long[3]);
    sum[0]++;
    sum[1] += u.get("prompt_tokens").asLong();
    sum[2] += u.get("completion_tokens").asLong();
    ObjectNode sample = json.createObjectNode();
    sample.set("input", messages);
    ArrayNode output = sample.putArray("output");
    ObjectNode message = output.addObject();
    message.put("role", "assistant");
    message.set("content", choice.get("message").get("content"));
    if (choice.get("message").has("tool_calls")) {
      message.set("tool_calls", choice.get("message").get("tool_calls"));
    }
    sample.put("finish_reason", choice.get("finish_reason").asText());
    sample.put("model", run.model());
    ObjectNode su = sample.putObject("usage");
    su.put("total_tokens", u.get("total_tokens").asLong());
    su.put("completion_tokens", u.get("completion_tokens").asLong());
    su.put("prompt_tokens", u.get("prompt_tokens").asLong());
    su.put("cached_tokens", 0);
    sample.putNull("error");
    sample.put("temperature", body.path("temperature").asDouble(1.0));
    sample.put("max_completion_tokens", body.path("max_completion_tokens").asLong(0));
    sample.put("top_p", body.path("top_p").asDouble(1.0));
    sample.put("seed", body.get("seed").asLong());
    return sample;
  }

  /** A jsonl row's own sample, in the shape of a sampled one. */
  private ObjectNode given(JsonNode given) {
    ObjectNode sample = json.createObjectNode();
    sample.putArray("input");
    ArrayNode output = sample.putArray("output");
    String text = outputText(given);
    output.addObject().put("role", "assistant").put("content", text);
    sample.put("finish_reason", given.path("finish_reason").asText("stop"));
    sample.put("model", given.path("model").asText(""));
    ObjectNode su = sample.putObject("usage");
    su.put("total_tokens", 0)
        .put("completion_tokens", 0)
        .put("prompt_tokens", 0)
        .put("cached_tokens", 0);
    sample.putNull("error");
    sample.set("given", given);
    return sample;
  }

  /** What graders see: the text, the calls, and {@code sample.*} fields to template from. */
  private Sample graderSample(ObjectNode sample) {
    JsonNode message = sample.path("output").path(0);
    JsonNode given = sample.get("given");
    String text = given != null ? outputText(given) : message.path("content").asText("");
    List<ToolCall> calls = new ArrayList<>();
    JsonNode toolCalls = given != null ? given.path("output_tools") : message.path("tool_calls");
    for (JsonNode c : toolCalls) {
      JsonNode f = c.has("function") ? c.get("function") : c;
      calls.add(new ToolCall(f.path("name").asText(), f.path("arguments").asText()));
    }
    ObjectNode raw =
        given != null && given.isObject()
            ? ((ObjectNode) given).deepCopy()
            : json.createObjectNode();
    raw.put("output_text", text);
    raw.set("output", sample.get("output"));
    raw.set("model", sample.get("model"));
    return new Sample(text, calls, raw);
  }

  /** A given sample's text: {@code output_text}, else its first choice's message content. */
  private static String outputText(JsonNode given) {
    if (given.path("output_text").isTextual()) {
      return given.get("output_text").asText();
    }
    return given.path("choices").path(0).path("message").path("content").asText("");
  }

  private ObjectNode errorNode(String code, String message) {
    ObjectNode e = json.createObjectNode();
    e.put("code", code);
    e.put("message", message);
    return e;
  }

  private String error(String code, String message) {
    return errorNode(code, message).toString();
  }
}
