package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.methods.DpoHyperparameters;
import com.openai.models.finetuning.methods.DpoMethod;
import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DPO jobs through the official OpenAI Java SDK: {@code method: {"type": "dpo", "dpo":
 * {"hyperparameters": {...}}}} is validated (beta in (0, 2] or auto), trains on the real
 * orca_dpo_pairs preference file to a servable {@code ft:} model, echoes the method with the
 * resolved hyperparameters (beta included), reports TRL's reward metrics in the metrics events and
 * the result file, and a chat file given to a DPO job fails with OpenAI's wording.
 */
class DpoJobsTest {

  @TempDir static Path dataDir;
  static TestServer server;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws IOException {
    server = new TestServer(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1);
    client = server.client(TestServer.KEY_A);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  static String upload(byte[] content) {
    return client
        .files()
        .create(FileCreateParams.builder().file(content).purpose(FilePurpose.FINE_TUNE).build())
        .id();
  }

  static FineTuningJob createDpo(String file, DpoHyperparameters hyper) {
    return createDpo(client, file, hyper);
  }

  static FineTuningJob createDpo(OpenAIClient client, String file, DpoHyperparameters hyper) {
    return client
        .fineTuning()
        .jobs()
        .create(
            JobCreateParams.builder()
                .model("tinystories-656k")
                .trainingFile(file)
                .seed(3)
                .method(
                    JobCreateParams.Method.builder()
                        .type(JobCreateParams.Method.Type.DPO)
                        .dpo(DpoMethod.builder().hyperparameters(hyper).build())
                        .build())
                .build());
  }

  @Test
  void aDpoJobTrainsOnOrcaPairsAndReportsRewards() throws Exception {
    Path orca = SharedAssets.require("datasets/real/dpo-orca_dpo_pairs-validation.jsonl");
    // the whole file, 283 pairs: one epoch of 29 steps, about a minute on 2 cores (each pair costs
    // a reference pass, a policy pass and a backward pass over up to 2 x 512 tokens)
    String file = upload(Files.readAllBytes(orca));
    FineTuningJob created =
        createDpo(file, DpoHyperparameters.builder().nEpochs(1).batchSize(10).betaAuto().build());
    assertThat(created.status().asString()).as("%s", created.error()).isIn("queued", "running");
    assertThat(created.method().orElseThrow().type().asString()).isEqualTo("dpo");

    JobWatch watch = new JobWatch(client);
    FineTuningJob job =
        watch.await(
            created.id(), j -> List.of("succeeded", "failed").contains(j.status().asString()));
    assertThat(job.status().asString()).as("%s", job.error()).isEqualTo("succeeded");
    DpoHyperparameters hyper =
        job.method().orElseThrow().dpo().orElseThrow().hyperparameters().orElseThrow();
    assertThat(hyper.beta().orElseThrow().asNumber()).as("auto resolved").isEqualTo(0.1);
    assertThat(hyper.nEpochs().orElseThrow().asInteger()).isEqualTo(1);
    assertThat(hyper.batchSize().orElseThrow().asInteger()).isEqualTo(10);
    assertThat(hyper.learningRateMultiplier().orElseThrow().isNumber()).isTrue();
    assertThat(job._hyperparameters().isNull())
        .as("OpenAI's DPO jobs: hyperparameters null")
        .isTrue();
    String model = job.fineTunedModel().orElseThrow();
    assertThat(model).startsWith("ft:tinystories-656k:");

    List<FineTuningJobEvent> events = watch.events(job.id());
    FineTuningJobEvent first =
        events.stream().filter(e -> e.message().startsWith("Step 1/")).findFirst().orElseThrow();
    assertThat(first.message()).contains("training loss=0.69").contains("reward accuracy=");
    JsonNode data = first._data().convert(JsonNode.class);
    assertThat(data.get("rewards/margins").isNumber()).isTrue();
    assertThat(data.get("rewards/accuracies").isNumber()).isTrue();

    String csv;
    try (HttpResponse r = client.files().content(job.resultFiles().getFirst());
        InputStream in = r.body()) {
      csv = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<String> rows = csv.lines().toList();
    assertThat(rows.getFirst())
        .isEqualTo(
            "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy,"
                + "rewards/chosen,rewards/rejected,rewards/accuracies,rewards/margins,"
                + "valid_rewards/accuracies,valid_rewards/margins");
    // step 1 starts at the reference: loss log 2, rewards 0 up to float rounding (the adapters'
    // zero B adds rounding noise, so the accuracy of equal rewards is not pinned)
    assertThat(rows.get(1))
        .matches("1,0\\.69315,\\d\\.\\d{5},,,-?0\\.00000,-?0\\.00000,\\d\\.\\d{5},-?0\\.00000,,");

    String answer =
        client
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model(model)
                    .addUserMessage("Translate to English: bonjour")
                    .temperature(0.0)
                    .maxCompletionTokens(8)
                    .build())
            .choices()
            .getFirst()
            .message()
            .content()
            .orElse("");
    assertThat(answer).isNotBlank();
  }

  @Test
  void theWholeOrcaFileUploadsThroughTheSdkAndPassesValidation(@TempDir Path idleDir)
      throws IOException {
    Path orca = SharedAssets.require("datasets/real/dpo-orca_dpo_pairs-validation.jsonl");
    byte[] whole = Files.readAllBytes(orca);
    assertThat(whole.length).as("over Jetty's 200,000-byte form cap").isGreaterThan(200_000);
    // a server without workers: the job is accepted and stays queued (the training test above
    // trains on the same file)
    try (TestServer idle = new TestServer(idleDir)) {
      OpenAIClient sdk = idle.client(TestServer.KEY_A);
      FileObject file =
          sdk.files()
              .create(
                  FileCreateParams.builder().file(whole).purpose(FilePurpose.FINE_TUNE).build());
      assertThat(file.bytes()).isEqualTo(whole.length);
      try (HttpResponse r = sdk.files().content(file.id());
          InputStream in = r.body()) {
        assertThat(in.readAllBytes()).isEqualTo(whole);
      }
      FineTuningJob job =
          createDpo(sdk, file.id(), DpoHyperparameters.builder().nEpochs(1).build());
      assertThat(job.status().asString()).as("%s", job.error()).isEqualTo("queued");
      assertThat(new JobWatch(sdk).events(job.id()))
          .extracting(FineTuningJobEvent::message)
          .contains("Files validated, moving job to queued state");
    }
  }

  @Test
  void aChatFileGivenToADpoJobFailsWithOpenAisWording() throws Exception {
    StringBuilder chat = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      chat.append(FineTuningJobsTest.line("animal" + i));
    }
    String file = upload(chat.toString().getBytes(StandardCharsets.UTF_8));
    FineTuningJob job = createDpo(file, DpoHyperparameters.builder().beta(0.5).build());
    assertThat(job.status().asString()).isEqualTo("failed");
    assertThat(job.error().orElseThrow().code()).isEqualTo("invalid_training_file");
    assertThat(job.error().orElseThrow().param()).contains("training_file");
    assertThat(job.error().orElseThrow().message())
        .isEqualTo(
            "The job failed due to an invalid training file. Invalid file format. Input file "
                + file
                + " is in the fine-tune-chat format, but the specified fine-tuning job is not"
                + " using 'supervised' as the training method (provided method=dpo). ");
  }

  @Test
  void betaOutsideItsRangeIsA400NamingTheField() {
    String file = upload("{}\n".getBytes(StandardCharsets.UTF_8));
    BadRequestException e =
        (BadRequestException)
            catchThrowable(() -> createDpo(file, DpoHyperparameters.builder().beta(2.5).build()));
    assertThat(e.getMessage()).contains("Invalid 'beta': 2.5");
    assertThat(e.param()).contains("method.dpo.hyperparameters.beta");
    assertThatThrownBy(() -> createDpo(file, DpoHyperparameters.builder().beta(0).build()))
        .isInstanceOf(BadRequestException.class)
        .hasMessageContaining("greater than 0 and at most 2");
  }
}
