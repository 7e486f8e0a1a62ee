package dev.lathe.cli;

import dev.lathe.dataset.ValidationReportPrinter;
import dev.lathe.finetune.DpoLoss;
import dev.lathe.finetune.FineTuneJob;
import dev.lathe.finetune.FineTuneMethod;
import dev.lathe.finetune.FineTuneOptions;
import dev.lathe.finetune.InvalidTrainingFileException;
import dev.lathe.finetune.PreferenceRewards;
import dev.lathe.finetune.StepMetrics;
import dev.lathe.finetune.TrainingBase;
import dev.lathe.finetune.TrainingConfig;
import dev.lathe.finetune.TrainingListener;
import dev.lathe.finetune.TrainingSummary;
import dev.lathe.finetune.UntrainableDataException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.LongSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lathe train}: supervised fine-tuning (or, with {@code --dpo}, direct preference
 * optimization) of a Hugging Face model, local or from the Hub, or of a GGUF file ({@link
 * TrainingBase}: dequantized to f32, its embedded vocabulary as the tokenizer), on an OpenAI-format
 * JSONL file (a thin shell over {@link FineTuneJob} and {@link FineTuneMethod}). The files are
 * validated first; a file with errors is refused with the validator's report. A progress line on
 * stderr shows the step, loss, tokens per second and the time left; {@code results.csv},
 * checkpoints, the PEFT adapter and the merged model go to {@code --out}.
 *
 * <p>Exit status: 0 trained, 1 a data file has errors, 2 unusable call (missing file, bad option,
 * unloadable model).
 */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = {
      "Fine-tune a model on an OpenAI chat (or prompt/completion) JSONL file, or with --dpo on"
          + " a preference (DPO) file.",
      "Writes results.csv, checkpoints/, adapter/ (LoRA) and merged/ into --out.",
      "Exit status: 0 trained, 1 data file has errors, 2 unusable call."
    })
public final class TrainCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Nanosecond clock for throughput and ETA; tests may replace it. */
  LongSupplier nanoTime = System::nanoTime;

  @CommandLine.Mixin ModelOptions modelOptions;

  @Option(names = "--train", required = true, paramLabel = "FILE", description = "Training JSONL.")
  Path train;

  @Option(names = "--valid", paramLabel = "FILE", description = "Validation JSONL (optional).")
  Path valid;

  @Option(
      names = "--epochs",
      paramLabel = "N|auto",
      defaultValue = "auto",
      description = "n_epochs (1-50) or auto (the cookbook rule). Default: ${DEFAULT-VALUE}.")
  String epochs;

  @Option(
      names = "--batch-size",
      paramLabel = "N|auto",
      defaultValue = "auto",
      description = "Examples per optimizer step (1-256) or auto. Default: ${DEFAULT-VALUE}.")
  String batchSize;

  @Option(
      names = "--lr-multiplier",
      paramLabel = "X|auto",
      defaultValue = "auto",
      description =
          "Factor on the base learning rate (LoRA "
              + TrainingConfig.LORA_BASE_LEARNING_RATE
              + ", full "
              + TrainingConfig.FULL_BASE_LEARNING_RATE
              + ") or auto (1). Default: ${DEFAULT-VALUE}.")
  String lrMultiplier;

  @Option(
      names = "--lora-rank",
      paramLabel = "R",
      defaultValue = "" + FineTuneOptions.DEFAULT_LORA_RANK,
      description =
          "LoRA rank (alpha 2R, dropout 0.05, all linear layers). Default: ${DEFAULT-VALUE}.")
  int loraRank;

  @Option(names = "--full", description = "Train every weight instead of LoRA adapters.")
  boolean full;

  @Option(names = "--seed", paramLabel = "S", description = "Job seed (default: a random one).")
  Long seed;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
  Path out;

  @Option(
      names = "--context",
      paramLabel = "N",
      defaultValue = "0",
      description = "Cut examples to N tokens (0: the model's context). Default: ${DEFAULT-VALUE}.")
  int context;

  @Option(
      names = "--micro-batch-tokens",
      paramLabel = "N",
      defaultValue = "" + FineTuneOptions.DEFAULT_MICRO_BATCH_TOKENS,
      description =
          "Positions per forward/backward pass (bounds memory). Default: ${DEFAULT-VALUE}.")
  int microBatchTokens;

  @Option(names = "--padded", description = "One padded example per row instead of packing.")
  boolean padded;

  @Option(
      names = "--eval-every",
      paramLabel = "N",
      defaultValue = "" + FineTuneOptions.DEFAULT_EVAL_EVERY,
      description = "Validation-sample loss every N steps. Default: ${DEFAULT-VALUE}.")
  int evalEvery;

  @Option(names = "--resume", description = "Continue from the newest checkpoint in --out.")
  boolean resume;

  @Option(
      names = "--early-stopping-patience",
      paramLabel = "N",
      defaultValue = "" + FineTuneOptions.DEFAULT_EARLY_STOPPING_PATIENCE,
      description =
          "With --valid: stop after N epochs without a lower validation loss (0: never)."
              + " Default: ${DEFAULT-VALUE}. The result is the best epoch's checkpoint either way.")
  int earlyStoppingPatience;

  @Option(
      names = "--dpo",
      description =
          "Direct preference optimization on a preference file (input, preferred_output,"
              + " non_preferred_output); the reference is the --model itself (e.g. an SFT run's"
              + " merged/ directory).")
  boolean dpo;

  @Option(
      names = "--beta",
      paramLabel = "B|auto",
      defaultValue = "auto",
      description =
          "DPO beta in (0, 2]; higher stays closer to the reference. auto: "
              + DpoLoss.DEFAULT_BETA
              + ". Default: ${DEFAULT-VALUE}.")
  String beta;

  @Override
  public Integer call() {
    CommandLine cl = spec.commandLine();
    PrintWriter err = cl.getErr();
    for (Path f : valid == null ? new Path[] {train} : new Path[] {train, valid}) {
      if (!Files.isRegularFile(f)) {
        throw new CommandLine.ParameterException(cl, "No file at '" + f + "': check the path.");
      }
    }
    if (!full && loraRank < 1) {
      throw new CommandLine.ParameterException(cl, "--lora-rank must be >= 1, got " + loraRank);
    }
    Double betaValue = doubleOrAuto(cl, "--beta", beta);
    if (!dpo && betaValue != null) {
      throw new CommandLine.ParameterException(cl, "--beta applies to --dpo runs only.");
    }
    FineTuneMethod<?> method;
    try {
      method =
          dpo
              ? FineTuneMethod.dpo(betaValue != null ? betaValue : DpoLoss.DEFAULT_BETA)
              : FineTuneMethod.SUPERVISED;
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cl, "--" + e.getMessage());
    }
    Path model;
    try {
      model = modelOptions.localPath();
    } catch (IOException | IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cl, "--model: " + e.getMessage());
    }
    if (TrainingBase.isGguf(model)) {
      try {
        TrainingBase.ggufTokenizer(model); // a vocabulary Lathe cannot train with fails here
      } catch (IOException | IllegalArgumentException e) {
        throw new CommandLine.ParameterException(cl, "--model: " + e.getMessage());
      }
    } else if (!Files.isDirectory(model)) {
      throw new CommandLine.ParameterException(
          cl,
          "--model must be a Hugging Face model directory, a .gguf file or Hub repo id: training"
              + " renders examples with the model's tokenizer.json and chat template (a .gguf"
              + " file's embedded ones); '"
              + model
              + "' is a file (a llama2.c checkpoint can be run with generate/chat, not trained).");
    }
    long jobSeed = seed != null ? seed : new SecureRandom().nextInt(Integer.MAX_VALUE);
    FineTuneJob job;
    try {
      job =
          new FineTuneJob(
              model,
              train,
              valid,
              out,
              FineTuneOptions.defaults()
                  .withEpochs(intOrAuto(cl, "--epochs", epochs))
                  .withBatchSize(intOrAuto(cl, "--batch-size", batchSize))
                  .withLearningRateMultiplier(doubleOrAuto(cl, "--lr-multiplier", lrMultiplier))
                  .withLoraRank(full ? 0 : loraRank)
                  .withSeed(jobSeed)
                  .withContextLength(context)
                  .withMicroBatchTokens(microBatchTokens)
                  .withPacked(!padded)
                  .withEvalEvery(evalEvery)
                  .withResume(resume)
                  .withEarlyStoppingPatience(earlyStoppingPatience));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(cl, e.getMessage());
    }
    err.println("lathe train: seed " + jobSeed);
    Progress progress = new Progress(err, nanoTime);
    try {
      FineTuneJob.Result r = job.run(method, progress, () -> false);
      err.println();
      TrainingSummary s = r.summary();
      PrintWriter o = cl.getOut();
      o.printf(
          Locale.ROOT,
          "trained %d steps; full_valid_loss %s, full_valid_mean_token_accuracy %s%n",
          s.steps(),
          fmt(s.fullValidLoss()),
          fmt(s.fullValidAccuracy()));
      if (r.adapterDir() != null) {
        o.println("adapter: " + r.adapterDir());
      }
      if (progress.validRewards != null) {
        o.printf(
            Locale.ROOT,
            "held-out rewards/accuracies %.4f, rewards/margins %.4f (last validation)%n",
            progress.validRewards.accuracy(),
            progress.validRewards.margin());
      }
      o.println("merged model: " + r.mergedDir());
      o.println("metrics: " + job.layout().results(false));
      o.flush();
      return 0;
    } catch (InvalidTrainingFileException e) {
      err.println("lathe train: " + e.getMessage());
      ValidationReportPrinter.print(e.file().toString(), e.report(), null, 5, err);
      err.flush();
      return 1;
    } catch (UntrainableDataException e) {
      err.println("lathe train: " + e.getMessage());
      err.flush();
      return 1;
    } catch (IOException | RuntimeException e) {
      err.println();
      err.println("lathe train: " + e.getMessage());
      err.flush();
      return 2;
    }
  }

  private static Integer intOrAuto(CommandLine cl, String name, String v) {
    if (v.equals("auto")) {
      return null;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new CommandLine.ParameterException(
          cl, name + " must be a whole number or auto, got '" + v + "'.");
    }
  }

  private static Double doubleOrAuto(CommandLine cl, String name, String v) {
    if (v.equals("auto")) {
      return null;
    }
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new CommandLine.ParameterException(
          cl, name + " must be a number or auto, got '" + v + "'.");
    }
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.4f", v);
  }

  /** The progress line on stderr and the run's messages. */
  private static final class Progress implements TrainingListener {
    private final PrintWriter err;
    private final LongSupplier nanoTime;
    private final long start;
    private long tokens;
    private PreferenceRewards validRewards;

    Progress(PrintWriter err, LongSupplier nanoTime) {
      this.err = err;
      this.nanoTime = nanoTime;
      this.start = nanoTime.getAsLong();
    }

    @Override
    public void onMessage(String message) {
      err.println(message);
      err.flush();
    }

    @Override
    public void onStep(StepMetrics m) {
      tokens += m.tokens();
      if (m.validRewards() != null) {
        validRewards = m.validRewards();
      }
      double seconds = Math.max(1e-9, (nanoTime.getAsLong() - start) / 1e9);
      double perStep = seconds / m.step();
      long eta = Math.round(perStep * (m.totalSteps() - m.step()));
      err.printf(
          Locale.ROOT,
          "\rstep %d/%d  loss %.4f  acc %.3f%s%s  %.0f tok/s  ETA %d:%02d:%02d ",
          m.step(),
          m.totalSteps(),
          m.trainLoss(),
          m.trainAccuracy(),
          m.rewards() == null
              ? ""
              : String.format(
                  Locale.ROOT,
                  "  reward acc %.2f margin %.3f",
                  m.rewards().accuracy(),
                  m.rewards().margin()),
          m.validated() ? String.format(Locale.ROOT, "  valid %.4f", m.validLoss()) : "",
          tokens / seconds,
          eta / 3600,
          eta / 60 % 60,
          eta % 60);
      err.flush();
    }

    @Override
    public void onCheckpoint(int step, Path directory) {}
  }
}
