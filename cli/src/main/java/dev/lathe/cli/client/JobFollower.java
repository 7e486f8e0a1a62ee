package dev.lathe.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobListEventsParams;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Follows a fine-tuning job to its end: prints each new event once, oldest first, keeps a live loss
 * line with an ETA (redrawn in place on a terminal, one line per step elsewhere), and answers the
 * exit code of the job's final status.
 */
final class JobFollower {
  /** Statuses a job does not leave. */
  static final Set<String> FINAL = Set.of("succeeded", "failed", "cancelled");

  private final OpenAIClient client;
  private final PrintWriter out;
  private final boolean json;
  private final boolean terminal;
  private final Duration interval;
  private final InstantSource clock;
  private final Set<String> seen = new HashSet<>();
  private String lossLine = "";
  private long firstStep = -1;
  private long firstStepAt;

  JobFollower(
      OpenAIClient client,
      PrintWriter out,
      boolean json,
      boolean terminal,
      Duration interval,
      InstantSource clock) {
    this.client = client;
    this.out = out;
    this.json = json;
    this.terminal = terminal;
    this.interval = interval;
    this.clock = clock;
  }

  /**
   * Prints the job's events until it reaches a final status; returns {@link ExitCodes#OK} when it
   * succeeded and {@link ExitCodes#FAILED} otherwise.
   */
  int follow(String jobId) throws InterruptedException {
    while (true) {
      FineTuningJob job = client.fineTuning().jobs().retrieve(jobId);
      List<FineTuningJobEvent> fresh = newEvents(jobId);
      fresh.forEach(e -> print(e, job));
      String status = job.status().asString();
      if (FINAL.contains(status) && fresh.isEmpty()) {
        finish(job);
        return status.equals("succeeded") ? ExitCodes.OK : ExitCodes.FAILED;
      }
      if (!FINAL.contains(status)) {
        Thread.sleep(interval);
      }
    }
  }

  /** Events not printed yet, oldest first (the API lists newest first, in pages). */
  private List<FineTuningJobEvent> newEvents(String jobId) {
    List<FineTuningJobEvent> fresh = new ArrayList<>();
    var page =
        client
            .fineTuning()
            .jobs()
            .listEvents(jobId, JobListEventsParams.builder().limit(100).build());
    for (FineTuningJobEvent e :
        (Iterable<FineTuningJobEvent>) page.autoPager().stream()::iterator) {
      if (!seen.add(e.id())) {
        break;
      }
      fresh.add(e);
    }
    return fresh.reversed();
  }

  private void print(FineTuningJobEvent e, FineTuningJob job) {
    if (json) {
      out.println(ClientCommand.toJson(e));
      out.flush();
      return;
    }
    boolean metrics = e.type().map(t -> t.asString().equals("metrics")).orElse(false);
    JsonNode data = metrics ? data(e) : null;
    if (data != null && data.has("step")) {
      lossLine = lossLine(data, e.createdAt(), job);
      if (terminal) {
        out.print("\r" + lossLine + "   ");
      } else {
        out.println(lossLine);
      }
    } else {
      clearLossLine();
      out.println(JobsCommand.eventLine(e));
      if (terminal && !lossLine.isEmpty()) {
        out.print(lossLine + "   ");
      }
    }
    out.flush();
  }

  private static JsonNode data(FineTuningJobEvent e) {
    try {
      return e._data().convert(JsonNode.class);
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  /** {@code step 12/30 train loss 1.2345 valid loss 1.3000 ETA 14s}. */
  private String lossLine(JsonNode d, long at, FineTuningJob job) {
    long step = d.path("step").asLong();
    long total = d.path("total_steps").asLong(0);
    StringBuilder s = new StringBuilder("step " + step + (total > 0 ? "/" + total : ""));
    for (String key : List.of("train_loss", "valid_loss", "full_valid_loss")) {
      if (d.path(key).isNumber()) {
        s.append(
            String.format(Locale.ROOT, "  %s %.4f", key.replace('_', ' '), d.get(key).asDouble()));
      }
    }
    if (firstStep < 0) {
      firstStep = step;
      firstStepAt = at;
    }
    Duration eta = null;
    if (total > 0 && step > firstStep && at > firstStepAt) {
      double secondsPerStep = (double) (at - firstStepAt) / (step - firstStep);
      eta = Duration.ofSeconds(Math.round(secondsPerStep * (total - step)));
    } else if (job.estimatedFinish().isPresent()) {
      eta = Duration.ofSeconds(job.estimatedFinish().get() - clock.instant().getEpochSecond());
    }
    s.append("  ETA ").append(eta == null ? "?" : Times.duration(eta));
    return s.toString();
  }

  private void clearLossLine() {
    if (terminal && !lossLine.isEmpty()) {
      out.print("\r" + " ".repeat(lossLine.length() + 3) + "\r");
    }
  }

  private void finish(FineTuningJob job) {
    if (terminal && !lossLine.isEmpty()) {
      out.println(); // the last loss line stays
    }
    if (json) {
      out.println(ClientCommand.toJson(job));
    } else {
      out.println(JobsCommand.summary(job));
    }
    out.flush();
  }
}
