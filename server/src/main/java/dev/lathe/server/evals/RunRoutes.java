package dev.lathe.server.evals;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.jobqueue.Job;
import dev.lathe.jobqueue.JobStateException;
import dev.lathe.jobqueue.JobStatus;
import dev.lathe.jobqueue.JobStore;
import dev.lathe.jobqueue.NewJob;
import dev.lathe.server.files.FileRoutes;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.http.JsonBody;
import dev.lathe.server.http.Metadata;
import dev.lathe.server.http.Paging;
import dev.lathe.server.models.ModelRegistry;
import dev.lathe.server.store.FileContents;
import dev.lathe.server.store.Ids;
import dev.lathe.server.store.StoredCompletions;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * {@code /v1/evals/{id}/runs} and their output items: create (the data source read and its items
 * resolved and checked at once, see {@link RunSource}; the run queued as a job of kind {@link
 * EvalRunHandler#KIND} for a worker), list, retrieve, cancel ({@code POST} on the run), delete, and
 * the graded items. A run's status is its job's, in OpenAI's words.
 */
public final class RunRoutes {
  private static final Set<String> CREATE_FIELDS = Set.of("data_source", "name", "metadata");

  private final EvalStore store;
  private final JobStore jobs;
  private final FileRoutes files;
  private final FileContents contents;
  private final StoredCompletions completions;
  private final ModelRegistry models;
  private final ObjectMapper json;
  private final InstantSource clock;
  private final Ids ids;
  private final LongSupplier seeds;
  private final Runnable queued;

  /**
   * @param queued called after a run was queued, to wake idle workers
   */
  public RunRoutes(
      EvalStore store,
      JobStore jobs,
      FileRoutes files,
      FileContents contents,
      StoredCompletions completions,
      ModelRegistry models,
      ObjectMapper json,
      InstantSource clock,
      Ids ids,
      LongSupplier seeds,
      Runnable queued) {
    this.store = store;
    this.jobs = jobs;
    this.files = files;
    this.contents = contents;
    this.completions = completions;
    this.models = models;
    this.json = json;
    this.clock = clock;
    this.ids = ids;
    this.seeds = seeds;
    this.queued = queued;
  }

  void register(Javalin app, Function<Context, EvalStore.Eval> eval) {
    String runs = "/v1/evals/{id}/runs";
    app.post(runs, ctx -> create(ctx, eval.apply(ctx)));
    app.get(runs, ctx -> list(ctx, eval.apply(ctx)));
    app.get(runs + "/{run_id}", ctx -> ctx.json(runObject(ctx, require(ctx, eval.apply(ctx)))));
    app.post(runs + "/{run_id}", ctx -> cancel(ctx, require(ctx, eval.apply(ctx))));
    app.delete(runs + "/{run_id}", ctx -> delete(ctx, require(ctx, eval.apply(ctx))));
    app.get(runs + "/{run_id}/output_items", ctx -> items(ctx, require(ctx, eval.apply(ctx))));
    app.get(
        runs + "/{run_id}/output_items/{item_id}",
        ctx -> {
          EvalStore.Run run = require(ctx, eval.apply(ctx));
          String id = ctx.pathParam("item_id");
          ctx.json(
              itemObject(
                  run,
                  store
                      .item(run.id(), id)
                      .orElseThrow(() -> ApiException.noSuch("OutputItem", id))));
        });
  }

  private EvalStore.Run require(Context ctx, EvalStore.Eval eval) {
    String id = ctx.pathParam("run_id");
    return store
        .run(id)
        .filter(r -> r.evalId().equals(eval.id()))
        .orElseThrow(() -> ApiException.noSuch("EvalRun", id));
  }

  private void create(Context ctx, EvalStore.Eval eval) throws JsonProcessingException {
    JsonNode body = JsonBody.object(ctx, json);
    JsonBody.refuseUnknown(body, CREATE_FIELDS);
    Caller caller = Caller.of(ctx);
    RunSource source =
        RunSource.read(
            body.get("data_source"),
            eval.dataSourceConfig(),
            caller,
            (fileId, c) -> contents.path(files.require(fileId, c).storageName()),
            completions,
            this::served,
            json);
    String name =
        JsonBody.present(body, "name")
            ? JsonBody.requiredString(body, "name")
            : defaultName(source);
    Map<String, String> metadata = Metadata.read(body, "metadata").orElse(Map.of());
    String runId = ids.next("evalrun_", 32);
    ObjectNode payload = json.createObjectNode();
    payload.put("run_id", runId);
    payload.put("seed", seeds.getAsLong());
    payload.set("rows", source.rows());
    // validating until the run's row exists, so no worker claims a job without its run
    Job job =
        jobs.create(
            NewJob.validating(eval.project(), json.writeValueAsString(payload))
                .ofKind(EvalRunHandler.KIND));
    List<String> criteria =
        EvalDefinition.graders(eval.testingCriteria()).stream().map(g -> g.name()).toList();
    EvalStore.Run run =
        new EvalStore.Run(
            runId,
            eval.id(),
            eval.project(),
            job.id(),
            name,
            source.model(),
            clock.instant(),
            source.shown(),
            json.valueToTree(metadata),
            RunProgress.start(criteria));
    store.insert(run);
    jobs.markQueued(job.id());
    queued.run();
    ctx.json(runObject(ctx, run));
  }

  /** Whether {@code model} is served to {@code caller} (a base, an alias or its ft: model). */
  public boolean served(String model, Caller caller) {
    return models.resolve(model, caller).isPresent();
  }

  private static String defaultName(RunSource source) {
    return source.model() == null ? "jsonl run" : source.model();
  }

  private void list(Context ctx, EvalStore.Eval eval) {
    int limit = Paging.limit(ctx, 20, 100);
    boolean ascending = Paging.ascending(ctx, true);
    String status = ctx.queryParam("status");
    Set<String> statuses = Set.of("queued", "in_progress", "completed", "canceled", "failed");
    if (status != null && !statuses.contains(status)) {
      throw ApiException.invalid(
          "Invalid 'status': '"
              + status
              + "'. Expected one of "
              + String.join(", ", statuses.stream().sorted().toList())
              + ".",
          "status");
    }
    List<EvalStore.Run> all =
        store.runs(eval.id()).stream()
            .filter(r -> status == null || status.equals(status(job(r))))
            .toList();
    ctx.json(
        EvalRoutes.page(
            json,
            ctx,
            ascending ? all : all.reversed(),
            EvalStore.Run::id,
            limit,
            "EvalRun",
            r -> runObject(ctx, r)));
  }

  private void cancel(Context ctx, EvalStore.Run run) {
    Job job = job(run);
    try {
      jobs.requestCancel(job.id());
    } catch (JobStateException e) {
      throw ApiException.invalid(
          "Run " + run.id() + " is " + status(job) + " and can no longer be canceled.", null);
    }
    ctx.json(runObject(ctx, run));
  }

  private void delete(Context ctx, EvalStore.Run run) {
    stop(run);
    store.deleteRun(run.id());
    ObjectNode o = json.createObjectNode();
    o.put("object", "eval.run.deleted");
    o.put("deleted", true);
    o.put("run_id", run.id());
    ctx.json(o);
  }

  /** Cancels every unfinished run of the eval (before it is deleted). */
  void stopAll(String evalId) {
    store.runs(evalId).forEach(this::stop);
  }

  private void stop(EvalStore.Run run) {
    Job job = job(run);
    if (!job.status().isTerminal()) {
      try {
        jobs.requestCancel(job.id());
      } catch (JobStateException e) {
        // it finished meanwhile
      }
    }
  }

  private void items(Context ctx, EvalStore.Run run) {
    int limit = Paging.limit(ctx, 20, 100);
    boolean ascending = Paging.ascending(ctx, true);
    String status = ctx.queryParam("status");
    if (status != null && !status.equals("pass") && !status.equals("fail")) {
      throw ApiException.invalid(
          "Invalid 'status': '" + status + "'. Expected 'pass' or 'fail'.", "status");
    }
    List<EvalStore.OutputItem> all =
        store.items(run.id()).stream()
            .filter(i -> status == null || status.equals(i.status()))
            .toList();
    ctx.json(
        EvalRoutes.page(
            json,
            ctx,
            ascending ? all : all.reversed(),
            EvalStore.OutputItem::id,
            limit,
            "OutputItem",
            i -> itemObject(run, i)));
  }

  private Job job(EvalStore.Run run) {
    return jobs.get(run.jobId())
        .orElseThrow(
            () -> new IllegalStateException("run " + run.id() + " has no job " + run.jobId()));
  }

  /** OpenAI's run status for a job status. */
  static String status(Job job) {
    return switch (job.status()) {
      case VALIDATING_FILES, QUEUED, PAUSED -> "queued";
      case RUNNING -> "in_progress";
      case SUCCEEDED -> "completed";
      case CANCELLED -> "canceled";
      case FAILED -> "failed";
    };
  }

  private ObjectNode runObject(Context ctx, EvalStore.Run read) {
    Job job = job(read);
    // every item is recorded before its job ends: a run read after its job has ended holds all of
    // its counts, where the one read before might miss the last item's (a GET showed "completed"
    // with 1 of 2 passing items counted)
    EvalStore.Run run = job.status().isTerminal() ? store.run(read.id()).orElse(read) : read;
    ObjectNode o = json.createObjectNode();
    o.put("object", "eval.run");
    o.put("id", run.id());
    o.put("eval_id", run.evalId());
    o.put("name", run.name());
    o.put("model", run.model());
    o.put("status", status(job));
    o.put("created_at", run.createdAt().getEpochSecond());
    o.put(
        "report_url",
        ctx.scheme() + "://" + ctx.host() + "/#/evals/" + run.evalId() + "/runs/" + run.id());
    o.set("data_source", run.dataSource());
    o.set("metadata", run.metadata());
    o.set("result_counts", run.progress().resultCounts(json));
    o.set("per_testing_criteria_results", run.progress().perCriterion(json));
    o.set("per_model_usage", run.progress().perModelUsage(json));
    o.set("error", job.status() == JobStatus.FAILED ? error(job.error()) : null);
    o.put("shared_with_openai", false);
    return o;
  }

  /** The job's error as {@code {code, message}} (a handler's exception text is wrapped). */
  private JsonNode error(String text) {
    if (text != null) {
      try {
        JsonNode e = json.readTree(text);
        if (e.isObject() && e.has("message")) {
          return e;
        }
      } catch (JsonProcessingException notJson) {
        // wrapped below
      }
    }
    ObjectNode e = json.createObjectNode();
    e.put("code", "run_failed");
    e.put("message", text == null ? "The run failed." : text);
    return e;
  }

  private ObjectNode itemObject(EvalStore.Run run, EvalStore.OutputItem i) {
    ObjectNode o = json.createObjectNode();
    o.put("object", "eval.run.output_item");
    o.put("id", i.id());
    o.put("run_id", run.id());
    o.put("eval_id", run.evalId());
    o.put("created_at", i.createdAt().getEpochSecond());
    o.put("status", i.status());
    o.put("datasource_item_id", i.index());
    o.set("datasource_item", i.datasourceItem());
    o.set("results", i.results());
    ObjectNode sample = (ObjectNode) i.sample().deepCopy();
    sample.remove("given");
    o.set("sample", sample);
    return o;
  }
}
