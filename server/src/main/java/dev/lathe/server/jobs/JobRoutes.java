package dev.lathe.server.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.RawValue;
import dev.lathe.jobqueue.Checkpoint;
import dev.lathe.jobqueue.Job;
import dev.lathe.jobqueue.JobEvent;
import dev.lathe.jobqueue.JobStateException;
import dev.lathe.jobqueue.JobStatus;
import dev.lathe.jobqueue.JobStore;
import dev.lathe.jobqueue.NewEvent;
import dev.lathe.jobqueue.NewJob;
import dev.lathe.jobqueue.Page;
import dev.lathe.server.files.FileRoutes;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.http.JsonBody;
import dev.lathe.server.http.Paging;
import dev.lathe.server.models.ModelRegistry;
import dev.lathe.server.store.JobProgress;
import dev.lathe.server.store.StoredFile;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * {@code /v1/fine_tuning/jobs}: create (validating the request, see {@link JobRequest}, and the
 * training file's stored dataset report at once), list, retrieve, cancel, pause, resume, events and
 * checkpoints (newest first).
 *
 * <p>Creation records the job as {@code validating_files} with OpenAI's first events, then either
 * fails it with the report's first problems or moves it to {@code queued}. Training is the {@link
 * FineTuningJobHandler}'s work on a worker; what it learns ({@link JobProgress}: resolved
 * hyperparameters, tokens, the model, result files, checkpoint model names) is laid over the stored
 * request here.
 */
public final class JobRoutes {
  private final JobStore jobs;
  private final FileRoutes files;
  private final ModelRegistry models;
  private final ObjectMapper json;
  private final LongSupplier seeds;
  private final JobProgress progress;
  private final Runnable queued;

  /**
   * @param queued called after a job was queued (creation or resume), to wake idle workers
   */
  public JobRoutes(
      JobStore jobs,
      FileRoutes files,
      ModelRegistry models,
      ObjectMapper json,
      LongSupplier seeds,
      JobProgress progress,
      Runnable queued) {
    this.progress = progress;
    this.queued = queued;
    this.jobs = jobs;
    this.files = files;
    this.models = models;
    this.json = json;
    this.seeds = seeds;
  }

  public void register(Javalin app) {
    app.post("/v1/fine_tuning/jobs", this::create);
    app.get("/v1/fine_tuning/jobs", this::list);
    app.get("/v1/fine_tuning/jobs/{id}", ctx -> ctx.json(jobObject(require(ctx))));
    app.post("/v1/fine_tuning/jobs/{id}/cancel", ctx -> transition(ctx, jobs::requestCancel));
    app.post("/v1/fine_tuning/jobs/{id}/pause", ctx -> transition(ctx, jobs::requestPause));
    app.post(
        "/v1/fine_tuning/jobs/{id}/resume",
        ctx -> {
          transition(ctx, jobs::resume);
          queued.run();
        });
    app.get("/v1/fine_tuning/jobs/{id}/events", this::events);
    app.get("/v1/fine_tuning/jobs/{id}/checkpoints", this::checkpoints);
  }

  private Job require(Context ctx) {
    String id = ctx.pathParam("id");
    return jobs.get(id)
        .filter(j -> j.kind().equals(Job.FINE_TUNE) && Caller.of(ctx).sees(j.project()))
        .orElseThrow(() -> ApiException.noSuch("FineTuningJob", id));
  }

  private void create(Context ctx) throws IOException {
    JsonNode body = JsonBody.object(ctx, json);
    Caller caller = Caller.of(ctx);
    JobRequest request = JobRequest.read(body, caller, models, files, json, seeds);
    StoredFile training = request.training();
    StoredFile validation = request.validation();
    Job job = jobs.create(NewJob.validating(caller.project(), request.stored(json).toJson(json)));
    jobs.appendEvent(job.id(), NewEvent.info("Created fine-tuning job: " + job.id()));
    jobs.appendEvent(
        job.id(),
        NewEvent.info(
            "Validating training file: "
                + training.id()
                + (validation == null ? "" : " and validation file: " + validation.id())));
    JobError problem = request.fileProblems(json);
    if (problem != null) {
      job = jobs.failValidation(job.id(), problem.toJson(json));
      jobs.appendEvent(
          job.id(),
          new NewEvent(
              null, dev.lathe.jobqueue.EventLevel.ERROR, problem.message(), "message", "{}"));
    } else {
      jobs.appendEvent(job.id(), NewEvent.info("Files validated, moving job to queued state"));
      job = jobs.markQueued(job.id());
      queued.run();
    }
    ctx.json(jobObject(job));
  }

  private void transition(Context ctx, java.util.function.Function<String, Job> action) {
    Job job = require(ctx);
    try {
      ctx.json(jobObject(action.apply(job.id())));
    } catch (JobStateException e) {
      throw ApiException.invalid(
          "Job " + job.id() + " is " + job.status().wireName() + ": " + e.getMessage(), null);
    }
  }

  private void list(Context ctx) {
    Caller caller = Caller.of(ctx);
    int limit = Paging.limit(ctx, 20, 100);
    String after = ctx.queryParam("after");
    if (after != null
        && jobs.get(after)
            .filter(j -> j.kind().equals(Job.FINE_TUNE) && caller.sees(j.project()))
            .isEmpty()) {
      throw ApiException.invalid("No such FineTuningJob for 'after': " + after, "after");
    }
    // an admin key sees every project's jobs, as it sees every project's files and models
    Page<Job> page =
        jobs.list(Job.FINE_TUNE, caller.admin() ? null : caller.project(), after, limit);
    ObjectNode root = json.createObjectNode();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    page.data().forEach(j -> data.add(jobObject(j)));
    root.put("has_more", page.hasMore());
    ctx.json(root);
  }

  private void events(Context ctx) throws IOException {
    Job job = require(ctx);
    int limit = Paging.limit(ctx, 20, 10_000);
    Page<JobEvent> page = jobs.listEvents(job.id(), ctx.queryParam("after"), limit);
    ObjectNode root = json.createObjectNode();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    for (JobEvent e : page.data()) {
      ObjectNode o = data.addObject();
      o.put("object", "fine_tuning.job.event");
      o.put("id", e.id());
      o.put("created_at", e.createdAt().getEpochSecond());
      o.put("level", e.level().name().toLowerCase());
      o.put("message", e.message());
      o.put("type", e.type());
      if (e.data() == null) {
        o.putNull("data");
      } else {
        o.putRawValue("data", new RawValue(e.data())); // JSON the store holds, as written
      }
    }
    root.put("has_more", page.hasMore());
    ctx.json(root);
  }

  private void checkpoints(Context ctx) throws IOException {
    Job job = require(ctx);
    int limit = Paging.limit(ctx, 10, 10_000);
    Page<Checkpoint> page = jobs.listCheckpoints(job.id(), ctx.queryParam("after"), limit);
    ObjectNode root = json.createObjectNode();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    for (Checkpoint c : page.data()) {
      ObjectNode o = data.addObject();
      o.put("object", "fine_tuning.job.checkpoint");
      o.put("id", c.id());
      o.put("created_at", c.createdAt().getEpochSecond());
      o.put("fine_tuning_job_id", job.id());
      o.put("step_number", c.step());
      o.set("metrics", c.metrics() == null ? json.createObjectNode() : json.readTree(c.metrics()));
      o.put("fine_tuned_model_checkpoint", c.model());
    }
    root.set("first_id", data.isEmpty() ? null : data.get(0).get("id"));
    root.set("last_id", data.isEmpty() ? null : data.get(data.size() - 1).get("id"));
    root.put("has_more", page.hasMore());
    ctx.json(root);
  }

  private ObjectNode jobObject(Job job) {
    FineTuneRequest payload;
    try {
      payload = FineTuneRequest.read(job.payload(), json);
    } catch (IOException e) {
      throw new IllegalStateException("job " + job.id() + " has unreadable stored JSON", e);
    }
    JobError error = job.error() == null ? null : JobError.read(job.error(), json);
    ObjectNode known = progress.get(job.id());
    boolean succeeded = job.status() == JobStatus.SUCCEEDED;
    // a job that failed validation never started and keeps finished_at null, as OpenAI's do
    boolean finished = job.status().isTerminal() && job.startedAt() != null;
    JsonNode hyper = known.has("hyperparameters") ? known.get("hyperparameters") : null;
    ObjectNode o = json.createObjectNode();
    o.put("object", "fine_tuning.job");
    o.put("id", job.id());
    o.put("model", payload.model());
    o.put("created_at", job.createdAt().getEpochSecond());
    o.put("finished_at", finished ? job.finishedAt().getEpochSecond() : null);
    o.set("fine_tuned_model", succeeded ? known.get("fine_tuned_model") : null);
    o.put("organization_id", "org-" + job.project());
    ArrayNode results = o.putArray("result_files");
    if (succeeded && known.get("result_files") instanceof ArrayNode ids) {
      results.addAll(ids);
    }
    o.put("status", job.status().wireName());
    o.put("validation_file", payload.validationFile());
    o.put("training_file", payload.trainingFile());
    String methodType = payload.method().type();
    boolean supervised = methodType.equals("supervised");
    o.set(
        "hyperparameters",
        !supervised
            ? NullNode.instance
            : hyper != null ? hyper : json.valueToTree(payload.hyperparameters()));
    o.set("trained_tokens", succeeded ? known.get("trained_tokens") : null);
    ObjectNode err = o.putObject("error");
    err.put("code", error == null ? null : error.code());
    err.put("message", error == null ? null : error.message());
    err.put("param", error == null ? null : error.param());
    o.set("integrations", payload.integrations());
    o.put("seed", payload.seed());
    boolean running = job.status() == JobStatus.RUNNING;
    o.set("estimated_finish", running ? known.get("estimated_finish") : null);
    ObjectNode method = json.valueToTree(payload.method());
    if (hyper != null && method.get(methodType) instanceof ObjectNode resolved) {
      resolved.set("hyperparameters", hyper);
    }
    o.set("method", method);
    o.set("metadata", payload.metadata());
    o.put("user_provided_suffix", payload.suffix());
    // Lathe's extensions: the options asked for, and the step the fine-tuned model is (with a
    // validation file, the best epoch-end checkpoint, not the last step as at OpenAI)
    if (payload.lathe() != null) {
      o.set("lathe", json.valueToTree(payload.lathe()));
    }
    // and the id of the run's lineage manifest File (lineage.json)
    // and, on request, the fine-tuned model's GGUF export File
    for (String field : new String[] {JobExtensionFields.LINEAGE, JobExtensionFields.GGUF}) {
      if (succeeded && known.has(field)) {
        o.set(field, known.get(field));
      }
    }
    // and the peak learning rate the resolved hyperparameters give (absolute), once it runs
    for (String field :
        new String[] {JobExtensionFields.BEST_STEP, JobExtensionFields.LEARNING_RATE}) {
      if (known.has(field)) {
        o.set(field, known.get(field));
      }
    }
    return o;
  }
}
