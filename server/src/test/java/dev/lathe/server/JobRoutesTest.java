package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCreateParams;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Job creation, validation against the stored dataset report, listing, events and cancel. */
class JobRoutesTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static OpenAIClient a;
  static OpenAIClient b;

  @BeforeAll
  static void start() throws IOException {
    server = new TestServer(dataDir);
    a = server.client(TestServer.KEY_A);
    b = server.client(TestServer.KEY_B);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static String upload(String content) {
    return a.files()
        .create(
            FileCreateParams.builder()
                .file(content.getBytes(StandardCharsets.UTF_8))
                .purpose(FilePurpose.FINE_TUNE)
                .build())
        .id();
  }

  @Test
  void aValidFileQueuesTheJobWithOpenAiEvents() {
    String file = upload(OpenAiSdkTest.EXAMPLE.repeat(12));
    FineTuningJob job =
        a.fineTuning()
            .jobs()
            .create(
                JobCreateParams.builder()
                    .model("gpt-4o-mini-2024-07-18")
                    .trainingFile(file)
                    .suffix("cats")
                    .seed(7)
                    .build());
    assertThat(job.id()).startsWith("ftjob-");
    assertThat(job.status().asString()).isEqualTo("queued");
    assertThat(job.model()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(job.seed()).isEqualTo(7);
    assertThat(job.fineTunedModel()).isEmpty();
    assertThat(a.fineTuning().jobs().retrieve(job.id()).id()).isEqualTo(job.id());
    assertThat(a.fineTuning().jobs().list().data())
        .extracting(FineTuningJob::id)
        .contains(job.id());
    assertThat(
            a.fineTuning().jobs().listEvents(job.id()).data().stream()
                .map(FineTuningJobEvent::message)
                .toList())
        .containsExactly(
            "Files validated, moving job to queued state",
            "Validating training file: " + file,
            "Created fine-tuning job: " + job.id());
    assertThatThrownBy(() -> b.fineTuning().jobs().retrieve(job.id()))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("No such FineTuningJob object: " + job.id());
    assertThat(a.fineTuning().jobs().cancel(job.id()).status().asString()).isEqualTo("cancelled");
  }

  @Test
  void anInvalidFileFailsTheJobWithTheReportsFirstProblem() {
    String file = upload("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\nnot json\n");
    FineTuningJob job =
        a.fineTuning()
            .jobs()
            .create(JobCreateParams.builder().model("stories260k").trainingFile(file).build());
    assertThat(job.status().asString()).isEqualTo("failed");
    assertThat(job.error().orElseThrow().param()).contains("training_file");
    assertThat(job.error().orElseThrow().message())
        .contains("invalid training file")
        .contains("Line");
  }

  @Test
  void badRequestsNameTheParameter() {
    String file = upload(OpenAiSdkTest.EXAMPLE.repeat(12));
    assertThatThrownBy(
            () ->
                a.fineTuning()
                    .jobs()
                    .create(JobCreateParams.builder().model("nope").trainingFile(file).build()))
        .isInstanceOf(BadRequestException.class)
        .satisfies(e -> assertThat(((BadRequestException) e).param()).contains("model"));
    assertThatThrownBy(
            () ->
                a.fineTuning()
                    .jobs()
                    .create(
                        JobCreateParams.builder()
                            .model("stories260k")
                            .trainingFile("file-missing")
                            .build()))
        .isInstanceOf(BadRequestException.class)
        .satisfies(e -> assertThat(((BadRequestException) e).param()).contains("training_file"));
    assertThatThrownBy(
            () ->
                a.fineTuning()
                    .jobs()
                    .create(
                        JobCreateParams.builder()
                            .model("stories260k")
                            .trainingFile(file)
                            .hyperparameters(
                                JobCreateParams.Hyperparameters.builder().nEpochs(99L).build())
                            .build()))
        .isInstanceOf(BadRequestException.class)
        .satisfies(
            e ->
                assertThat(((BadRequestException) e).param()).contains("hyperparameters.n_epochs"));
  }
}
