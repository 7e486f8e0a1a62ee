package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobListEventsParams;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/** Watches fine-tuning jobs through the SDK: polls for a condition, reads events and steps. */
record JobWatch(OpenAIClient client) {
  /**
   * How long a job may take: generous, because a loaded 2-core machine runs the Orca DPO job (about
   * 40 s when quiet) three or four times slower; a job that really hangs still fails the test.
   */
  static final Duration PATIENCE = Duration.ofMinutes(8);

  /** Polls the job until {@code done} holds (or fails the test after {@link #PATIENCE}). */
  FineTuningJob await(String id, Predicate<FineTuningJob> done) throws InterruptedException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (true) {
      FineTuningJob job = client.fineTuning().jobs().retrieve(id);
      if (done.test(job)) {
        return job;
      }
      assertThat(System.nanoTime())
          .as("job %s waiting, now %s", id, job.status())
          .isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** The job's events, oldest first. */
  List<FineTuningJobEvent> events(String id) {
    return client
        .fineTuning()
        .jobs()
        .listEvents(id, JobListEventsParams.builder().limit(10_000).build())
        .data()
        .reversed();
  }

  /** Whether the job's newest event is a step's metrics (it is training). */
  boolean training(String id) {
    return client
        .fineTuning()
        .jobs()
        .listEvents(id, JobListEventsParams.builder().limit(1).build())
        .data()
        .stream()
        .anyMatch(JobWatch::isMetrics);
  }

  /** The steps of the job's metrics events, oldest first. */
  List<Long> steps(String id) {
    return events(id).stream()
        .filter(JobWatch::isMetrics)
        .map(e -> e._data().convert(JsonNode.class).get("step").asLong())
        .toList();
  }

  private static boolean isMetrics(FineTuningJobEvent e) {
    return e.type().map(t -> t.asString().equals("metrics")).orElse(false);
  }
}
