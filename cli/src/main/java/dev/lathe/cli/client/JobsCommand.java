package dev.lathe.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.ObjectMappers;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobListEventsParams;
import com.openai.models.finetuning.jobs.JobListParams;
import com.openai.models.finetuning.jobs.checkpoints.CheckpointListParams;
import com.openai.models.finetuning.jobs.checkpoints.FineTuningJobCheckpoint;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lathe jobs}: fine-tuning jobs on an OpenAI-compatible API. */
@Command(
    name = "jobs",
    mixinStandardHelpOptions = true,
    description = "Fine-tuning jobs on an OpenAI-compatible API (Lathe, OpenAI, or another).",
    footer = ExitCodes.FOOTER,
    subcommands = {
      JobCreateCommand.class,
      JobsCommand.ListJobs.class,
      JobsCommand.Get.class,
      JobsCommand.Cancel.class,
      JobsCommand.Pause.class,
      JobsCommand.Resume.class,
      JobsCommand.Events.class,
      JobsCommand.Checkpoints.class
    })
public final class JobsCommand implements Runnable {
  /** How often --follow and --wait ask for news. */
  static final class PollInterval {
    @Option(
        names = "--interval",
        defaultValue = "2",
        paramLabel = "SECONDS",
        description = "With --follow or --wait: seconds between polls (2).")
    double seconds;
  }

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** One line: id, base model, status, and the fine-tuned model or the error when there is one. */
  static String line(FineTuningJob j) {
    StringBuilder s =
        new StringBuilder(
            String.join(
                "  ", j.id(), j.model(), j.status().asString(), Times.instant(j.createdAt())));
    j.fineTunedModel().ifPresent(m -> s.append("  ").append(m));
    return s.toString();
  }

  /** One event: time, level and message. */
  static String eventLine(FineTuningJobEvent e) {
    return Times.instant(e.createdAt()) + " [" + e.level().asString() + "] " + e.message();
  }

  /** Several lines: what a person wants to know about a job. */
  static String summary(FineTuningJob j) {
    List<String> lines = new ArrayList<>();
    lines.add(j.id() + ": " + j.status().asString());
    lines.add("  model: " + j.model());
    lines.add("  training file: " + j.trainingFile());
    j.validationFile().ifPresent(v -> lines.add("  validation file: " + v));
    j.method().ifPresent(m -> lines.add("  method: " + m.type().asString()));
    j.trainedTokens().ifPresent(t -> lines.add("  trained tokens: " + t));
    j.fineTunedModel().ifPresent(m -> lines.add("  fine-tuned model: " + m));
    if (!j.resultFiles().isEmpty()) {
      lines.add("  result files: " + String.join(", ", j.resultFiles()));
    }
    j.estimatedFinish().ifPresent(t -> lines.add("  estimated finish: " + Times.instant(t)));
    j.finishedAt().ifPresent(t -> lines.add("  finished: " + Times.instant(t)));
    // read raw: servers send "error": null, {} or an object with null fields when there is none
    JsonNode error = ObjectMappers.jsonMapper().valueToTree(j).path("error");
    if (error.path("message").isTextual()) {
      lines.add(
          "  error: "
              + error.get("message").asText()
              + (error.path("code").isTextual() ? " [" + error.get("code").asText() + "]" : "")
              + (error.path("param").isTextual()
                  ? " (param: " + error.get("param").asText() + ")"
                  : ""));
    }
    return String.join(System.lineSeparator(), lines);
  }

  /** Prints a job in the chosen form. */
  abstract static class JobCall extends ClientCommand {
    void show(FineTuningJob job, boolean detailed) {
      print(job, detailed ? JobsCommand::summary : JobsCommand::line);
    }

    /** A follower printing on stdout, polling every {@code seconds}. */
    JobFollower follower(OpenAIClient client, PollInterval interval) {
      double seconds = interval.seconds;
      if (!(seconds > 0)) {
        throw new UsageException("--interval must be a positive number of seconds");
      }
      return new JobFollower(
          client,
          out(),
          json,
          terminal(),
          Duration.ofMillis(Math.round(seconds * 1000)),
          InstantSource.system());
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = "List jobs, newest first.")
  static final class ListJobs extends JobCall {
    @Option(names = "--limit", defaultValue = "20", description = "At most this many (20).")
    long limit;

    @Override
    protected int run(OpenAIClient client) {
      client
          .fineTuning()
          .jobs()
          .list(JobListParams.builder().limit(Math.min(limit, 100)).build())
          .autoPager()
          .stream()
          .limit(limit)
          .forEach(j -> show(j, false));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = "Show one job.")
  static final class Get extends JobCall {
    @Parameters(paramLabel = "JOB_ID")
    String id;

    @Override
    protected int run(OpenAIClient client) {
      show(client.fineTuning().jobs().retrieve(id), true);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "cancel",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = "Cancel a job (it stops at its next step).")
  static final class Cancel extends JobCall {
    @Parameters(paramLabel = "JOB_ID")
    String id;

    @Override
    protected int run(OpenAIClient client) {
      show(client.fineTuning().jobs().cancel(id), false);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = "Pause a running job (it checkpoints where it stops).")
  static final class Pause extends JobCall {
    @Parameters(paramLabel = "JOB_ID")
    String id;

    @Override
    protected int run(OpenAIClient client) {
      show(client.fineTuning().jobs().pause(id), false);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = "Resume a paused job.")
  static final class Resume extends JobCall {
    @Parameters(paramLabel = "JOB_ID")
    String id;

    @Override
    protected int run(OpenAIClient client) {
      show(client.fineTuning().jobs().resume(id), false);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "events",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = {
        "A job's events, oldest first.",
        "--follow prints new ones as they come, with a live loss line and an ETA, until the job"
            + " ends: exit 0 when it succeeded, 1 when it failed or was cancelled."
      })
  static final class Events extends JobCall {
    @Parameters(paramLabel = "JOB_ID")
    String id;

    @Option(
        names = {"-f", "--follow"},
        description = "Keep printing until the job ends.")
    boolean follow;

    @Option(
        names = "--limit",
        defaultValue = "50",
        description = "Without --follow: the last N (50).")
    long limit;

    @picocli.CommandLine.Mixin PollInterval interval;

    @Override
    protected int run(OpenAIClient client) throws InterruptedException {
      if (follow) {
        return follower(client, interval).follow(id);
      }
      List<FineTuningJobEvent> events =
          client
              .fineTuning()
              .jobs()
              .listEvents(id, JobListEventsParams.builder().limit(Math.min(limit, 100)).build())
              .autoPager()
              .stream()
              .limit(limit)
              .toList()
              .reversed();
      events.forEach(e -> print(e, JobsCommand::eventLine));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "checkpoints",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = "A job's checkpoints, newest first: step, servable model, metrics.")
  static final class Checkpoints extends JobCall {
    @Parameters(paramLabel = "JOB_ID")
    String id;

    @Override
    protected int run(OpenAIClient client) {
      for (FineTuningJobCheckpoint c :
          client
              .fineTuning()
              .jobs()
              .checkpoints()
              .list(id, CheckpointListParams.builder().limit(100).build())
              .autoPager()
              .stream()
              .toList()) {
        print(
            c,
            x -> {
              var m = x.metrics();
              return "step "
                  + x.stepNumber()
                  + "  "
                  + x.fineTunedModelCheckpoint()
                  + m.trainLoss()
                      .map(l -> String.format(java.util.Locale.ROOT, "  train loss %.4f", l))
                      .orElse("")
                  + m.validLoss()
                      .map(l -> String.format(java.util.Locale.ROOT, "  valid loss %.4f", l))
                      .orElse("");
            });
      }
      return ExitCodes.OK;
    }
  }
}
