package dev.lathe.server.preview;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.dataset.CostEstimate;
import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.TrainingCostTable;
import dev.lathe.dataset.ValidationOptions;
import dev.lathe.dataset.ValidationReport;
import dev.lathe.finetune.FineTuneMethod;
import dev.lathe.finetune.Hyperparameters;
import dev.lathe.finetune.PreferenceData;
import dev.lathe.finetune.PreferenceExample;
import dev.lathe.finetune.TrainingData;
import dev.lathe.finetune.TrainingExample;
import dev.lathe.finetune.TrainingListener;
import dev.lathe.finetune.TrainingPlan;
import dev.lathe.server.files.FileRoutes;
import dev.lathe.server.files.ValidationReports;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.http.JsonBody;
import dev.lathe.server.jobs.JobError;
import dev.lathe.server.jobs.JobRequest;
import dev.lathe.server.jobs.RequestedHyperparameters;
import dev.lathe.server.models.ModelRegistry;
import dev.lathe.server.store.FileContents;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code POST /v1/lathe/estimate}: what a fine-tuning job of this request would do, before creating
 * it. The request is read and refused exactly as job creation reads it ({@link JobRequest}); a file
 * a job would fail on is a 400 with the job's error. The training file is then rendered as the job
 * renders it (the model's renderer, see {@link ExampleRenderers}), {@code auto} hyperparameters are
 * resolved as the job resolves them, and the token count is turned into a time with this machine's
 * measured throughput ({@link MeasuredThroughput}) and priced: nothing for Lathe, and OpenAI's
 * price of the same billed tokens (every token of the file, times the epochs) for {@value
 * #OPENAI_MODEL}.
 *
 * <p>The time covers the training steps; DPO's one reference pass, validation passes, checkpoints
 * and model loading are not in it.
 */
public final class TrainingEstimates {
  /** The OpenAI model whose price the estimate quotes for comparison. */
  static final String OPENAI_MODEL = "gpt-4o-mini-2024-07-18";

  /** Fields of a job request: the estimate accepts (and checks) them all, and no other. */
  static final Set<String> FIELDS =
      Set.of(
          "model",
          "training_file",
          "validation_file",
          "method",
          "hyperparameters",
          "suffix",
          "seed",
          "metadata",
          "integrations",
          "lathe");

  private final ModelRegistry models;
  private final FileRoutes files;
  private final FileContents contents;
  private final ValidationReports reports;
  private final ExampleRenderers renderers;
  private final MeasuredThroughput throughput;
  private final int loraRank;
  private final ObjectMapper json;

  public TrainingEstimates(
      ModelRegistry models,
      FileRoutes files,
      FileContents contents,
      ValidationReports reports,
      ExampleRenderers renderers,
      MeasuredThroughput throughput,
      int loraRank,
      ObjectMapper json) {
    this.models = models;
    this.files = files;
    this.contents = contents;
    this.reports = reports;
    this.renderers = renderers;
    this.throughput = throughput;
    this.loraRank = loraRank;
    this.json = json;
  }

  public void register(Javalin app) {
    app.post("/v1/lathe/estimate", this::estimate);
  }

  /** The rendered training file: examples' token counts and a supervised sample to calibrate on. */
  private record Counted(
      int examples, long tokensPerEpoch, TrainingPlan plan, List<TrainingExample> sample) {}

  private void estimate(Context ctx) throws IOException {
    JsonNode body = JsonBody.object(ctx, json);
    JsonBody.refuseUnknown(body, FIELDS);
    Caller caller = Caller.of(ctx);
    JobRequest request = JobRequest.read(body, caller, models, files, json, () -> 0L);
    JobError problem = request.fileProblems(json);
    if (problem != null) {
      throw new ApiException(
          400, "invalid_request_error", problem.message(), problem.param(), problem.code());
    }
    String model = body.get("model").asText();
    ExampleRenderers.Rendering r = renderers.forModel(model, caller, "model");
    RequestedHyperparameters hyper = request.hyperparameters();
    Counted counted = count(request, r, hyper);
    Hyperparameters h = counted.plan().hyperparameters();
    MeasuredThroughput.Measure speed = throughput.of(r.base(), r.directory(), counted.sample());
    long totalTokens = counted.tokensPerEpoch() * h.epochs();

    ObjectNode o = json.createObjectNode();
    o.put("object", "lathe.estimate");
    o.put("model", model);
    o.put("training_file", request.training().id());
    o.put("method", request.methodType());
    o.set("validation", reports.report(request.training(), "training_file"));
    o.put("examples", counted.examples());
    o.put("tokens_per_epoch", counted.tokensPerEpoch());
    o.put("trained_tokens_per_epoch", counted.plan().trainedTokensPerEpoch());
    o.put("n_epochs", h.epochs());
    o.put("batch_size", h.batchSize());
    o.put("learning_rate_multiplier", h.learningRateMultiplier());
    if (request.methodType().equals("dpo")) {
      o.put("beta", hyper.resolvedBeta());
    }
    o.put("steps", counted.plan().totalSteps());
    o.put("total_tokens", totalTokens);
    o.put("tokens_per_second", speed.tokensPerSecond());
    o.put("throughput_source", speed.source());
    o.put("estimated_seconds", Math.round(totalTokens / speed.tokensPerSecond()));
    ObjectNode cost = o.putObject("cost");
    cost.put("usd", 0);
    cost.put(
        "note",
        "Lathe trains on this machine: no per-token charge. The OpenAI figure prices the same "
            + totalTokens
            + " billed tokens (every token of the rendered file times the epochs; counted with"
            + " this model's tokenizer, so OpenAI's own count differs) at "
            + OPENAI_MODEL
            + "'s training price.");
    CostEstimate openai =
        TrainingCostTable.builtIn()
            .estimate(OPENAI_MODEL, totalTokens)
            .orElseThrow(() -> new IllegalStateException(OPENAI_MODEL + " has no price"));
    cost.put("openai_equivalent_usd", openai.usd());
    cost.put("openai_equivalent_model", OPENAI_MODEL);
    ctx.json(o);
  }

  /** Renders the training file as the job would and plans the run with the resolved values. */
  private Counted count(
      JobRequest request, ExampleRenderers.Rendering r, RequestedHyperparameters hyper)
      throws IOException {
    Path file = contents.path(request.training().storageName());
    DatasetValidator validator = new DatasetValidator(ValidationOptions.defaults());
    boolean dpo = request.methodType().equals("dpo");
    List<TrainingExample> sample = new ArrayList<>();
    long tokens = 0;
    int examples;
    ValidationReport report;
    TrainingPlan plan;
    synchronized (r) {
      if (dpo) {
        PreferenceData data =
            PreferenceData.load(file, validator, r.renderer(), TrainingListener.NONE);
        report = data.report();
        for (PreferenceExample p : data.examples()) {
          tokens += p.chosen().length() + p.rejected().length();
          sample.add(p.chosen());
        }
        examples = data.examples().size();
        plan =
            examples == 0
                ? null
                : FineTuneMethod.dpo(hyper.resolvedBeta())
                    .plan(
                        hyper.resolve(examples, r.blockWeights(), loraRank > 0),
                        data.examples(),
                        loraRank);
      } else {
        TrainingData data = TrainingData.load(file, validator, r.renderer(), TrainingListener.NONE);
        report = data.report();
        for (TrainingExample e : data.examples()) {
          tokens += e.length();
        }
        sample.addAll(data.examples());
        examples = data.examples().size();
        plan =
            examples == 0
                ? null
                : FineTuneMethod.SUPERVISED.plan(
                    hyper.resolve(examples, r.blockWeights(), loraRank > 0),
                    data.examples(),
                    loraRank);
      }
    }
    if (report.hasErrors() || plan == null) {
      throw ApiException.invalid(
          "Training file "
              + request.training().id()
              + " has no example "
              + request.base().id()
              + " can train on (each was skipped: nothing left to train after rendering).",
          "training_file");
    }
    return new Counted(examples, tokens, plan, sample);
  }
}
