package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCreateParams;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing a server stops its worker gracefully: the running job stops at a step boundary with a
 * checkpoint there and goes back to the queue; the next server on the same data dir resumes it from
 * that checkpoint and finishes it, with every step's event exactly once.
 */
class WorkerShutdownTest {
  @TempDir Path dataDir;

  @Test
  void aJobInterruptedByShutdownResumesOnTheNextStart() throws Exception {
    String jobId;
    try (TestServer first = new TestServer(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1)) {
      OpenAIClient client = first.client(TestServer.KEY_A);
      StringBuilder train = new StringBuilder();
      FineTuningJobsTest.ANIMALS.forEach(a -> train.append(FineTuningJobsTest.line(a)));
      String file =
          client
              .files()
              .create(
                  FileCreateParams.builder()
                      .file(train.toString().getBytes(StandardCharsets.UTF_8))
                      .purpose(FilePurpose.FINE_TUNE)
                      .build())
              .id();
      jobId =
          client
              .fineTuning()
              .jobs()
              .create(
                  JobCreateParams.builder()
                      .model("tinystories-656k")
                      .trainingFile(file)
                      .seed(3)
                      .hyperparameters(
                          JobCreateParams.Hyperparameters.builder()
                              .nEpochs(4L)
                              .batchSize(1L)
                              .build())
                      .build())
              .id();
      new JobWatch(client).await(jobId, j -> !new JobWatch(client).steps(jobId).isEmpty());
    } // close: the worker stops the job at a step boundary and gives it back

    List<Long> before;
    try (TestServer idle = new TestServer(dataDir)) {
      OpenAIClient client = idle.client(TestServer.KEY_A);
      FineTuningJob job = client.fineTuning().jobs().retrieve(jobId);
      before = new JobWatch(client).steps(jobId);
      assertThat(job.status().asString()).isEqualTo("queued");
      assertThat(before).isNotEmpty().hasSizeLessThan(64);
      assertThat(
              dataDir.resolve("jobs/" + jobId + "/checkpoints/checkpoint-step-" + before.getLast()))
          .as("the shutdown checkpointed the last step")
          .isDirectory();
    }

    try (TestServer next = new TestServer(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1)) {
      OpenAIClient client = next.client(TestServer.KEY_A);
      FineTuningJob done =
          new JobWatch(client)
              .await(jobId, j -> j.status().asString().matches("succeeded|failed|cancelled"));
      assertThat(done.status().asString()).as("error: %s", done.error()).isEqualTo("succeeded");
      List<Long> all = new JobWatch(client).steps(jobId);
      assertThat(all).containsExactlyElementsOf(Stream.iterate(1L, s -> s + 1).limit(64).toList());
      assertThat(new JobWatch(client).events(jobId).stream().map(FineTuningJobEvent::message))
          .filteredOn("Fine-tuning job started"::equals)
          .hasSize(1);
      assertThat(Files.isDirectory(dataDir.resolve("jobs/" + jobId + "/adapter"))).isTrue();
    }
  }
}
