package dev.lathe.server.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.finetune.DivergedException;
import dev.lathe.finetune.FineTuneJob;
import dev.lathe.finetune.FineTuneMethod;
import dev.lathe.finetune.FineTuneOptions;
import dev.lathe.finetune.InvalidTrainingFileException;
import dev.lathe.finetune.RunLayout;
import dev.lathe.finetune.UntrainableDataException;
import dev.lathe.finetune.WrongFormatException;
import dev.lathe.jobqueue.Checkpoint;
import dev.lathe.jobqueue.EventLevel;
import dev.lathe.jobqueue.Job;
import dev.lathe.jobqueue.JobContext;
import dev.lathe.jobqueue.JobHandler;
import dev.lathe.jobqueue.JobOutcome;
import dev.lathe.jobqueue.LeaseLostException;
import dev.lathe.jobqueue.NewEvent;
import dev.lathe.objectstore.ObjectStore;
import dev.lathe.objectstore.StoreUnavailableException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.jobs.FineTuneRequest;
import dev.lathe.server.jobs.JobError;
import dev.lathe.server.jobs.RequestedHyperparameters;
import dev.lathe.server.jobs.TrainableBases;
import dev.lathe.server.store.FileContents;
import dev.lathe.server.store.FileStore;
import dev.lathe.server.store.FineTunedModels;
import dev.lathe.server.store.Ids;
import dev.lathe.server.store.JobProgress;
import dev.lathe.server.store.StoredFile;
import dev.lathe.server.telemetry.ServerMetrics;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.InstantSource;
import org.slf4j.MDC;

/**
 * Runs one {@code fine_tuning.job} on a worker: reads the stored request, finds the training and
 * validation files and the directory to start from (a base, or a fine-tuned model of the project:
 * see {@link TrainableBases}), trains with {@link FineTuneJob} (the request's method: supervised,
 * or DPO with its beta, the reference being that start itself) into {@code <data>/jobs/<job id>/},
 * and reports in OpenAI's terms (events, checkpoints, models, the result file; see {@link
 * JobTrainingListener} and {@link JobModels}).
 *
 * <p>Every run resumes from the newest checkpoint on disk when there is one: after a pause (the
 * stop itself writes a checkpoint), after the worker was shut down, or after it died (another
 * worker took the job over when the lease ran out). Events carry idempotency keys, so nothing is
 * posted twice. A cancel, pause or shutdown stops at the next step boundary ({@link
 * JobContext#shouldStop()}). Any failure becomes the job's {@code error} object: {@code
 * invalid_training_file} / {@code invalid_validation_file} with the first problems and their lines
 * (also for a file that trains nothing, or not the end-of-turn token: {@link
 * dev.lathe.finetune.TrainingPreflight}), {@code training_diverged} (Lathe's code) for a run that
 * kept diverging after its rollbacks ({@link DivergedException}), {@code model_not_available} for a
 * base that cannot be trained, {@code server_error} otherwise.
 */
public final class FineTuningJobHandler implements JobHandler {
  private static final System.Logger LOG = System.getLogger(FineTuningJobHandler.class.getName());

  /** Positions per forward/backward pass (bounds activation memory; examples are packed). */
  public static final int MICRO_BATCH_TOKENS = 4096;

  private final FileStore files;
  private final FileContents contents;
  private final FineTunedModels models;
  private final JobProgress progress;
  private final ResultFiles results;
  private final TrainableBases bases;
  private final ObjectStore store;
  private final Path jobsDir;
  private final int loraRank;
  private final int defaultPatience;
  private final ObjectMapper json;
  private final InstantSource clock;
  private final Ids ids;
  private final ServerMetrics metrics;

  /**
   * @param store where runs are kept: with the local store {@code jobsDir} is in it, with a remote
   *     one each run is uploaded from and restored to this worker's {@code jobsDir} ({@link
   *     RunStore})
   * @param jobsDir each job trains into {@code jobsDir/<job id>}
   * @param loraRank adapter rank of every job, 0 for full fine-tuning
   * @param defaultPatience the early-stopping patience of a job whose request gives none
   */
  public FineTuningJobHandler(
      FileStore files,
      FileContents contents,
      FineTunedModels models,
      JobProgress progress,
      ResultFiles results,
      TrainableBases bases,
      ObjectStore store,
      Path jobsDir,
      int loraRank,
      int defaultPatience,
      ObjectMapper json,
      InstantSource clock,
      Ids ids,
      ServerMetrics metrics) {
    this.metrics = metrics;
    this.files = files;
    this.contents = contents;
    this.models = models;
    this.progress = progress;
    this.results = results;
    this.bases = bases;
    this.store = store;
    this.jobsDir = jobsDir;
    this.loraRank = loraRank;
    this.defaultPatience = defaultPatience;
    this.json = json;
    this.clock = clock;
    this.ids = ids;
  }

  @Override
  public JobOutcome run(JobContext context) throws Exception {
    Job job = context.job();
    FineTuneRequest request = FineTuneRequest.read(job.payload(), json);
    try (MDC.MDCCloseable logged = MDC.putCloseable("job_id", job.id())) {
      return attempt(context, job, request);
    }
  }

  /** Trains, and turns every failure into the job's outcome (logged with the job's id). */
  private JobOutcome attempt(JobContext context, Job job, FineTuneRequest request) {
    try {
      return train(context, job, request);
    } catch (LeaseLostException e) {
      return new JobOutcome.Stopped(); // another worker owns the job now; write nothing
    } catch (JobError.Failure e) {
      return fail(context, e.error());
    } catch (WrongFormatException e) {
      // normally caught when the job is created; a file could only change format if re-stored
      return fail(
          context,
          JobError.wrongFormat(request.trainingFile(), e.format(), e.method(), "training_file"));
    } catch (InvalidTrainingFileException e) {
      return fail(context, JobError.invalidFile(e.report(), e.field().wireName()));
    } catch (UntrainableDataException e) {
      return fail(context, JobError.untrainable(e));
    } catch (DivergedException e) {
      return fail(context, new JobError(JobError.TRAINING_DIVERGED, e.getMessage(), null));
    } catch (Exception | LinkageError e) {
      LOG.log(Level.WARNING, "fine-tuning job " + job.id() + " failed", e);
      if (context.leaseLost()) {
        return new JobOutcome.Stopped();
      }
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof StoreUnavailableException store) {
          // what was stored before (files, checkpoints) stays; the job can be created again
          return fail(context, JobError.serverError(store.getMessage()));
        }
      }
      return fail(
          context,
          JobError.serverError("The job failed due to an internal error: " + e.getMessage()));
    }
  }

  private JobOutcome train(JobContext context, Job job, FineTuneRequest request) throws Exception {
    Path train = file(job, request.trainingFile(), "training_file");
    Path valid =
        request.validationFile() != null
            ? file(job, request.validationFile(), "validation_file")
            : null;
    RunLayout run = new RunLayout(jobsDir.resolve(job.id()));
    RunStore stored = new RunStore(store, job.id(), run);
    int restored = stored.restore();
    if (restored > 0) {
      LOG.log(Level.INFO, "job " + job.id() + ": resuming from the stored checkpoint " + restored);
    }
    TrainableBases.Base base = bases.resolve(request.model(), job.project(), run);
    RequestedHyperparameters hyper = request.method().requested();
    FineTuneMethod<?> method = hyper.method();
    JobModels named =
        new JobModels(
            context,
            base.snapshot(),
            base.name(),
            request.suffix(),
            base.fineTuned() ? base.directory() : null,
            run,
            stored,
            models,
            progress,
            ids,
            clock,
            json);
    named.finalName();
    context.appendEvent(
        new NewEvent("started", EventLevel.INFO, "Fine-tuning job started", "message", null));
    FineTuneJob fineTune =
        new FineTuneJob(
            base.directory(),
            train,
            valid,
            run.root(),
            FineTuneOptions.defaults()
                .withEpochs(hyper.nEpochs())
                .withBatchSize(hyper.batchSize())
                .withLearningRateMultiplier(hyper.learningRateMultiplier())
                .withLoraRank(loraRank)
                .withSeed(request.seed())
                .withMicroBatchTokens(MICRO_BATCH_TOKENS)
                .withResume(true)
                .withEarlyStoppingPatience(
                    request.lathe() != null
                        ? request.lathe().earlyStoppingPatience()
                        : defaultPatience));
    JobTrainingListener listener =
        new JobTrainingListener(context, progress, named, json, clock, metrics)
            .forMethod(method)
            .onBase(base.name());
    FineTuneJob.Result result = fineTune.run(method, listener, context::shouldStop);
    if (result.summary().cancelled()) {
      return new JobOutcome.Stopped();
    }
    return succeed(context, job, named, listener, result, run);
  }

  private JobOutcome succeed(
      JobContext context,
      Job job,
      JobModels named,
      JobTrainingListener listener,
      FineTuneJob.Result result,
      RunLayout run)
      throws IOException {
    String model = named.registerFinal(result.adapterDir(), result.mergedDir());
    // OpenAI posts the checkpoint events at the end, ascending, all but the final one
    for (Checkpoint c : context.checkpoints().reversed()) {
      if (c.model() != null && !c.model().equals(model)) {
        context.appendEvent(
            NewEvent.info(
                    "Checkpoint created at step " + c.step() + " with Snapshot ID: " + c.model())
                .withKey("checkpoint-" + c.step()));
      }
    }
    ObjectNode fields = json.createObjectNode();
    JsonNode known = progress.get(job.id()).get("result_files");
    if (known != null && known.isArray()) {
      fields.set("result_files", known);
    } else {
      fields.putArray("result_files").add(results.write(job));
    }
    JsonNode lineage = progress.get(job.id()).get(ResultFiles.LINEAGE);
    fields.put(
        ResultFiles.LINEAGE,
        lineage != null && lineage.isTextual()
            ? lineage.asText()
            : results.writeLineage(job, run.lineage()));
    fields.put("fine_tuned_model", model);
    fields.put("trained_tokens", listener.plan().trainedTokens());
    ObjectNode all = progress.merge(job.id(), fields);
    context.appendEvent(
        NewEvent.info("New fine-tuned model created: " + model).withKey("model-created"));
    context.appendEvent(NewEvent.info("The job has successfully completed").withKey("succeeded"));
    return new JobOutcome.Succeeded(json.writeValueAsString(all));
  }

  private JobOutcome fail(JobContext context, JobError error) {
    context.appendEvent(new NewEvent("failed", EventLevel.ERROR, error.message(), "message", "{}"));
    return new JobOutcome.Failed(error.toJson(json));
  }

  /** The stored file {@code id} names (the request's {@code field}), in the job's project. */
  private Path file(Job job, String id, String field) throws JobError.Failure, IOException {
    StoredFile f =
        files
            .find(id, new Caller(job.project(), false))
            .orElseThrow(
                () ->
                    new JobError.Failure(
                        "invalid_" + field,
                        "File "
                            + id
                            + " was deleted before the job ran; upload it again and"
                            + " create a new job.",
                        field));
    return contents.path(f.storageName());
  }
}
