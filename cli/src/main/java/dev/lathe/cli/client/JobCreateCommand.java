package dev.lathe.cli.client;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.methods.DpoHyperparameters;
import com.openai.models.finetuning.methods.DpoMethod;
import com.openai.models.finetuning.methods.SupervisedHyperparameters;
import com.openai.models.finetuning.methods.SupervisedMethod;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code lathe jobs create}: a fine-tuning job with OpenAI's parameters; {@code --wait} follows it
 * to the end and exits with its outcome.
 */
@Command(
    name = "create",
    mixinStandardHelpOptions = true,
    footer = ExitCodes.FOOTER,
    description = {
      "Create a fine-tuning job (OpenAI's parameters; each hyperparameter a number or auto).",
      "--wait follows it to the end like `jobs events --follow`: exit 0 when it succeeded, 1 when"
          + " it failed or was cancelled."
    })
final class JobCreateCommand extends JobsCommand.JobCall {

  @Option(names = "--model", required = true, description = "The base model to fine-tune.")
  String model;

  @Option(
      names = "--training-file",
      required = true,
      paramLabel = "FILE_ID",
      description = "An uploaded file's id (`lathe files upload`).")
  String trainingFile;

  @Option(names = "--validation-file", paramLabel = "FILE_ID", description = "Validation data.")
  String validationFile;

  @Option(names = "--suffix", description = "Up to 64 characters in the fine-tuned model's name.")
  String suffix;

  @Option(names = "--seed", description = "Makes the run reproducible.")
  Long seed;

  @Option(
      names = "--method",
      defaultValue = "supervised",
      description = "supervised (default) or dpo.")
  String method;

  @Option(names = "--epochs", paramLabel = "N|auto", description = "n_epochs.")
  String epochs;

  @Option(names = "--batch-size", paramLabel = "N|auto", description = "batch_size.")
  String batchSize;

  @Option(
      names = "--lr-multiplier",
      paramLabel = "X|auto",
      description = "learning_rate_multiplier.")
  String lrMultiplier;

  @Option(names = "--beta", paramLabel = "X|auto", description = "DPO's beta (with --method dpo).")
  String beta;

  @Option(names = "--metadata", paramLabel = "KEY=VALUE", description = "Repeatable.")
  Map<String, String> metadata = new LinkedHashMap<>();

  @Option(names = "--wait", description = "Follow the job until it ends; exit with its outcome.")
  boolean await;

  @picocli.CommandLine.Mixin JobsCommand.PollInterval interval;

  @Override
  protected int run(OpenAIClient client) throws InterruptedException {
    JobCreateParams params = params();
    JobFollower follower = await ? follower(client, interval) : null;
    FineTuningJob job = client.fineTuning().jobs().create(params);
    if (json) {
      json(job);
    } else {
      out().println(job.id());
      out().flush();
      err().println("lathe jobs create: " + JobsCommand.line(job));
      err().flush();
    }
    return follower == null ? ExitCodes.OK : follower.follow(job.id());
  }

  JobCreateParams params() {
    JobCreateParams.Builder p = JobCreateParams.builder().model(model).trainingFile(trainingFile);
    if (validationFile != null) {
      p.validationFile(validationFile);
    }
    if (suffix != null) {
      p.suffix(suffix);
    }
    if (seed != null) {
      p.seed(seed);
    }
    if (!metadata.isEmpty()) {
      JobCreateParams.Metadata.Builder m = JobCreateParams.Metadata.builder();
      metadata.forEach((k, v) -> m.putAdditionalProperty(k, JsonValue.from(v)));
      p.metadata(m.build());
    }
    boolean tuned = epochs != null || batchSize != null || lrMultiplier != null || beta != null;
    switch (method) {
      case "supervised" -> {
        if (beta != null) {
          throw new UsageException("--beta is DPO's; add --method dpo or leave --beta out");
        }
        if (tuned) {
          SupervisedHyperparameters.Builder h = SupervisedHyperparameters.builder();
          whole("--epochs", epochs, h::nEpochsAuto, h::nEpochs);
          whole("--batch-size", batchSize, h::batchSizeAuto, h::batchSize);
          real(
              "--lr-multiplier",
              lrMultiplier,
              h::learningRateMultiplierAuto,
              h::learningRateMultiplier);
          p.method(
              JobCreateParams.Method.builder()
                  .type(JobCreateParams.Method.Type.SUPERVISED)
                  .supervised(SupervisedMethod.builder().hyperparameters(h.build()).build())
                  .build());
        }
      }
      case "dpo" -> {
        DpoHyperparameters.Builder h = DpoHyperparameters.builder();
        whole("--epochs", epochs, h::nEpochsAuto, h::nEpochs);
        whole("--batch-size", batchSize, h::batchSizeAuto, h::batchSize);
        real(
            "--lr-multiplier",
            lrMultiplier,
            h::learningRateMultiplierAuto,
            h::learningRateMultiplier);
        real("--beta", beta, h::betaAuto, h::beta);
        DpoMethod.Builder dpo = DpoMethod.builder();
        if (tuned) {
          dpo.hyperparameters(h.build());
        }
        p.method(
            JobCreateParams.Method.builder()
                .type(JobCreateParams.Method.Type.DPO)
                .dpo(dpo.build())
                .build());
      }
      default ->
          throw new UsageException(
              "--method is '" + method + "'; use supervised or dpo (reinforcement is not offered)");
    }
    return p.build();
  }

  private static void whole(
      String option, String value, Runnable auto, java.util.function.LongConsumer set) {
    setting(option, value, auto, v -> set.accept(Long.parseLong(v)), "a whole number");
  }

  private static void real(
      String option, String value, Runnable auto, java.util.function.DoubleConsumer set) {
    setting(option, value, auto, v -> set.accept(Double.parseDouble(v)), "a number");
  }

  /** Sets a hyperparameter: {@code auto}, or the value parsed; anything else is a usage error. */
  private static void setting(
      String option,
      String value,
      Runnable auto,
      java.util.function.Consumer<String> parseAndSet,
      String kind) {
    if (value == null) {
      return;
    }
    if (value.equals("auto")) {
      auto.run();
      return;
    }
    try {
      parseAndSet.accept(value);
    } catch (NumberFormatException e) {
      throw new UsageException(option + " is '" + value + "'; give " + kind + " or auto");
    }
  }
}
