package dev.lathe.finetune;

import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.ValidationOptions;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.tokenizer.TrainedTemplate;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.train.DecoderTrainer;
import dev.lathe.transformer.train.LoraConfig;
import dev.lathe.transformer.train.TrainableModel;
import dev.lathe.transformer.train.Training;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One fine-tuning job from files to files, supervised by default or with another {@link
 * FineTuneMethod} (DPO): validate and render the training (and validation) file for the model's
 * tokenizer and template, resolve {@code auto} hyperparameters, train LoRA adapters (or every
 * weight), and write into {@code out} (laid out as {@link RunLayout} says): {@code results.csv}
 * (OpenAI's result file), {@code checkpoints/checkpoint-step-N/} (each also servable: its own
 * {@code adapter/} for LoRA or {@code merged/} for full fine-tuning), {@code adapter/} (PEFT, LoRA
 * only), {@code merged/} (a Hugging Face model directory) and, when it finishes, {@code
 * lineage.json} ({@link Lineage}). Every servable directory carries the {@link TrainedTemplate} the
 * run rendered its examples with, which serving checks against its base.
 *
 * @param model a Hugging Face model directory (Llama family or GPT-2) or a GGUF file, whose weights
 *     are dequantized to f32 and whose embedded vocabulary is the tokenizer ({@link TrainingBase})
 * @param trainFile the training JSONL (chat or prompt/completion; preference for DPO)
 * @param validFile the validation JSONL, or null
 * @param out the output directory
 * @param options how to train (hyperparameters, LoRA rank, seed, batching, evaluation, resume)
 */
public record FineTuneJob(
    Path model, Path trainFile, Path validFile, Path out, FineTuneOptions options) {

  /** Validates. */
  public FineTuneJob {
    if (model == null || trainFile == null || out == null || options == null) {
      throw new IllegalArgumentException(
          "model, training file, output directory and options are required");
    }
  }

  /** The paths of the run this job writes into {@code out}. */
  public RunLayout layout() {
    return new RunLayout(out);
  }

  /**
   * What a finished (or cancelled) job produced.
   *
   * @param train the rendered training file of a supervised job (null for DPO)
   * @param preferences the rendered training file of a DPO job (null for supervised)
   */
  public record Result(
      TrainingSummary summary,
      Hyperparameters hyperparameters,
      TrainingData train,
      TrainableModel model,
      Path adapterDir,
      Path mergedDir,
      PreferenceData preferences) {}

  /**
   * Runs the job as supervised fine-tuning.
   *
   * @throws InvalidTrainingFileException when a file fails validation
   */
  public Result run(TrainingListener listener, BooleanSupplier cancelled) throws IOException {
    return run(FineTuneMethod.SUPERVISED, listener, cancelled);
  }

  /**
   * Runs the job with {@code method}.
   *
   * @throws InvalidTrainingFileException when a file fails validation
   * @throws UntrainableDataException when a file passes validation but trains nothing, or not the
   *     end-of-turn token ({@link TrainingPreflight}, before step 1)
   * @throws WrongFormatException when a file's format does not suit the method (the message has
   *     OpenAI's wording)
   */
  public <E> Result run(
      FineTuneMethod<E> method, TrainingListener listener, BooleanSupplier cancelled)
      throws IOException {
    return run(method, listener, cancelled, InstantSource.system());
  }

  /**
   * Runs the job with {@code method}, timing it for its {@link Lineage} manifest by {@code clock}.
   *
   * @throws InvalidTrainingFileException when a file fails validation
   * @throws UntrainableDataException when a file passes validation but trains nothing
   * @throws WrongFormatException when a file's format does not suit the method
   */
  public <E> Result run(
      FineTuneMethod<E> method,
      TrainingListener listener,
      BooleanSupplier cancelled,
      InstantSource clock)
      throws IOException {
    Instant started = clock.instant();
    int contextLength = options.contextLength();
    int loraRank = options.loraRank();
    long seed = options.seed();
    try (HfTokenizer tokenizer =
        TrainingBase.tokenizer(model)) { // an unusable vocabulary fails first
      LoadedModel base = TrainingBase.load(model);
      TrainingBase.notice(model)
          .ifPresent(m -> listener.onNotice(new TrainingNotice("base-weights", false, m)));
      int ctx =
          contextLength == 0
              ? base.config().contextLength()
              : Math.min(contextLength, base.config().contextLength());
      ExampleRenderer renderer = ExampleRenderer.forTokenizer(tokenizer, ctx);
      TrainedTemplate trained = TrainedTemplate.of(tokenizer, renderer.template());
      DatasetValidator validator = new DatasetValidator(ValidationOptions.defaults());
      TrainingData.Rendered<E> train = method.load(trainFile, validator, renderer);
      if (train.report().hasErrors()) {
        throw new InvalidTrainingFileException(
            trainFile, InvalidTrainingFileException.Field.TRAINING, train.report());
      }
      method.requireFormat(trainFile, train.report().format());
      train.notes().forEach(listener::onMessage);
      int[] endOfTurn = tokenizer.eosTokenIds();
      TrainingPreflight.check(
          trainFile,
          InvalidTrainingFileException.Field.TRAINING,
          train,
          endOfTurn,
          tokenizer.eosToken(),
          listener);
      List<E> valid = List.of();
      if (validFile != null) {
        // a validation file may be small; it must have the training file's format
        ValidationOptions d = ValidationOptions.defaults();
        ValidationOptions validOptions =
            new ValidationOptions(
                train.report().format(),
                d.maxIssuesPerCode(),
                1,
                1,
                d.maxLineBytes(),
                d.maxTrackedDuplicates());
        TrainingData.Rendered<E> v =
            method.load(validFile, new DatasetValidator(validOptions), renderer);
        if (v.report().hasErrors()) {
          throw new InvalidTrainingFileException(
              validFile, InvalidTrainingFileException.Field.VALIDATION, v.report());
        }
        v.notes().forEach(listener::onMessage);
        TrainingPreflight.check(
            validFile,
            InvalidTrainingFileException.Field.VALIDATION,
            v,
            endOfTurn,
            tokenizer.eosToken(),
            listener);
        valid = v.examples();
      }
      long blockWeights = Hyperparameters.blockWeights(base.config());
      Hyperparameters h =
          Hyperparameters.resolve(
              options.epochs(),
              options.batchSize(),
              options.learningRateMultiplier(),
              train.examples().size(),
              blockWeights,
              loraRank > 0);
      TrainingConfig config =
          (loraRank > 0 ? TrainingConfig.lora(h) : TrainingConfig.full(h))
              .withEvalEvery(options.evalEvery());
      String auto =
          h.autoReport(
              options.epochs(),
              options.batchSize(),
              options.learningRateMultiplier(),
              train.examples().size(),
              blockWeights,
              loraRank > 0,
              config.baseLearningRate());
      if (auto != null) {
        listener.onNotice(new TrainingNotice("auto-hyperparameters", false, auto));
      }
      if (method instanceof FineTuneMethod.Dpo d) {
        listener.onMessage("method dpo (beta " + d.loss().beta() + ")");
      }
      listener.onMessage(
          "hyperparameters: n_epochs="
              + h.epochs()
              + " batch_size="
              + h.batchSize()
              + " learning_rate_multiplier="
              + h.learningRateMultiplier()
              + " (peak learning rate "
              + config.baseLearningRate() * h.learningRateMultiplier()
              + "), "
              + h.totalSteps(train.examples().size())
              + " steps");
      listener.onStart(method.plan(h, train.examples(), loraRank));
      StepRandom random = new StepRandom(seed);
      LoraConfig lora =
          loraRank > 0 ? LoraConfig.of(loraRank, 2.0 * loraRank, method.loraDropout()) : null;
      DecoderTrainer<?, ?, ?, ?> trainable =
          lora != null ? Training.lora(base, lora, random) : Training.full(base);
      listener.onMessage(
          lora != null
              ? "LoRA: frozen base weights held in "
                  + trainable.baseDtype()
                  + " (the checkpoint's dtype), adapters and optimizer state in F32"
              : "full fine-tuning: weights, gradients and optimizer state in F32");
      RunLayout layout = layout();
      Files.createDirectories(out);
      Path checkpoints = layout.checkpoints();
      RunLayout.Checkpoint newest =
          options.resume() ? layout.newestCheckpoint().orElse(null) : null;
      TrainingCheckpoint from = newest == null ? null : TrainingCheckpoint.read(newest.dir());
      TrainingSummary summary;
      try (Writer csv =
          Files.newBufferedWriter(layout.results(from != null), StandardCharsets.UTF_8)) {
        MetricsCsv metrics = new MetricsCsv(csv, method instanceof FineTuneMethod.Dpo);
        MicroBatcher batcher =
            new MicroBatcher(Math.max(ctx, options.microBatchTokens()), options.packed());
        Trainer<E> trainer =
            new Trainer<>(
                    trainable,
                    method.objective(
                        trainable,
                        lora != null,
                        train.examples(),
                        valid,
                        batcher,
                        layout,
                        listener),
                    config,
                    both(
                        metrics,
                        both(servableCheckpoints(base, trainable, lora, trained), listener)),
                    cancelled,
                    checkpoints)
                .reseedingEachStep(random)
                .stoppingEarly(validFile == null ? 0 : options.earlyStoppingPatience());
        summary =
            from == null
                ? trainer.run(train.examples(), valid, new StepRandom(seed ^ 0x5DEECE66DL))
                : trainer.resume(train.examples(), valid, from);
      }
      Path adapterDir = null;
      Path mergedDir = null;
      if (!summary.cancelled()) {
        if (lora != null) {
          adapterDir = layout.adapter();
          ModelExport.writeAdapter(
              adapterDir, trainable, lora, model.toAbsolutePath().toString(), trained);
        }
        mergedDir = layout.merged();
        ModelExport.writeMerged(mergedDir, base, trainable, model, trained);
        double wallSeconds = Duration.between(started, clock.instant()).toNanos() / 1e9;
        lineage(method, renderer, trained, h, config, ctx, from != null, summary, wallSeconds)
            .write(layout.lineage());
      }
      return result(train, summary, h, trainable, adapterDir, mergedDir);
    }
  }

  private Lineage lineage(
      FineTuneMethod<?> method,
      ExampleRenderer renderer,
      TrainedTemplate trained,
      Hyperparameters h,
      TrainingConfig config,
      int contextLength,
      boolean resumed,
      TrainingSummary summary,
      double wallSeconds)
      throws IOException {
    Lineage.BaseModel baseModel =
        new Lineage.BaseModel(
            model.toAbsolutePath().toString(),
            Lineage.weightFiles(model).stream().map(f -> f.getFileName().toString()).toList(),
            Lineage.weightsSha256(model),
            renderer.template().name(),
            trained.templateSha256(),
            trained.tokenizerSha256());
    Lineage.Config resolved =
        new Lineage.Config(
            method.type(),
            h.epochs(),
            h.batchSize(),
            h.learningRateMultiplier(),
            config.baseLearningRate() * h.learningRateMultiplier(),
            options.loraRank(),
            contextLength,
            Math.max(contextLength, options.microBatchTokens()),
            options.packed(),
            options.evalEvery(),
            validFile == null ? 0 : options.earlyStoppingPatience(),
            resumed);
    return new Lineage(
        Lineage.sha256(trainFile),
        validFile == null ? null : Lineage.sha256(validFile),
        baseModel,
        resolved,
        options.seed(),
        Lineage.Software.current(),
        Lineage.Machine.current(summary, wallSeconds));
  }

  @SuppressWarnings("unchecked")
  private static Result result(
      TrainingData.Rendered<?> r,
      TrainingSummary summary,
      Hyperparameters h,
      TrainableModel trainable,
      Path adapterDir,
      Path mergedDir) {
    boolean pairs = !r.examples().isEmpty() && r.examples().getFirst() instanceof PreferenceExample;
    TrainingData train =
        pairs
            ? null
            : new TrainingData(
                (List<TrainingExample>) r.examples(),
                r.report(),
                r.truncated(),
                r.skipped(),
                r.notes());
    PreferenceData preferences =
        pairs
            ? new PreferenceData(
                (List<PreferenceExample>) r.examples(),
                r.report(),
                r.truncated(),
                r.skipped(),
                r.notes())
            : null;
    return new Result(summary, h, train, trainable, adapterDir, mergedDir, preferences);
  }

  /**
   * Makes every checkpoint servable (listed before the caller's listener, so it runs first): {@code
   * adapter/} (PEFT) for LoRA, {@code merged/} (a Hugging Face directory) for full fine-tuning.
   */
  private TrainingListener servableCheckpoints(
      LoadedModel base, TrainableModel trainable, LoraConfig lora, TrainedTemplate trained) {
    return new TrainingListener() {
      @Override
      public void onCheckpoint(int step, Path directory) {
        RunLayout.Checkpoint checkpoint = new RunLayout.Checkpoint(directory, step);
        try {
          if (lora != null) {
            ModelExport.writeAdapter(
                checkpoint.adapter(), trainable, lora, model.toAbsolutePath().toString(), trained);
          } else {
            ModelExport.writeMerged(checkpoint.merged(), base, trainable, model, trained);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(
              "cannot export checkpoint " + directory + ": " + e.getMessage(), e);
        }
      }
    };
  }

  private static TrainingListener both(TrainingListener a, TrainingListener b) {
    return new TrainingListener() {
      @Override
      public void onStart(TrainingPlan plan) {
        a.onStart(plan);
        b.onStart(plan);
      }

      @Override
      public void onStep(StepMetrics m) {
        a.onStep(m);
        b.onStep(m);
      }

      @Override
      public void onCheckpoint(int step, Path directory) {
        a.onCheckpoint(step, directory);
        b.onCheckpoint(step, directory);
      }

      @Override
      public void onMessage(String message) {
        a.onMessage(message);
        b.onMessage(message);
      }

      @Override
      public void onCheckpointRemoved(int step, Path directory) {
        a.onCheckpointRemoved(step, directory);
        b.onCheckpointRemoved(step, directory);
      }

      @Override
      public void onBest(int step, double validLoss) {
        a.onBest(step, validLoss);
        b.onBest(step, validLoss);
      }

      @Override
      public void onNotice(TrainingNotice notice) {
        a.onNotice(notice);
        b.onNotice(notice);
      }

      @Override
      public void onFinished(TrainingSummary summary) {
        a.onFinished(summary);
        b.onFinished(summary);
      }
    };
  }
}
