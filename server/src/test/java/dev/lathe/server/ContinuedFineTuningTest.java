package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.errors.BadRequestException;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.jobs.checkpoints.FineTuningJobCheckpoint;
import com.openai.models.finetuning.methods.DpoHyperparameters;
import com.openai.models.finetuning.methods.DpoMethod;
import dev.lathe.finetune.RunLayout;
import dev.lathe.server.http.Caller;
import dev.lathe.server.jobs.JobError;
import dev.lathe.server.jobs.TrainableBases;
import dev.lathe.server.store.FineTunedModels;
import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continued fine-tuning (issue #6) through the official SDK: a LoRA SFT job on TinyStories-656K,
 * then a DPO job whose {@code model} is the resulting {@code ft:} model. The DPO job starts from
 * the SFT adapter merged into a working copy of the base (its reference), names its models after
 * the original base, and serves its final and checkpoint models as merged directories that hold the
 * trained weights; another project cannot start a job from that {@code ft:} model.
 */
class ContinuedFineTuningTest {
  static final List<String> ANIMALS =
      List.of("cat", "dog", "cow", "duck", "frog", "owl", "horse", "pig", "sheep", "lion");

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

  static String upload(String content) {
    return client
        .files()
        .create(
            FileCreateParams.builder()
                .file(content.getBytes(StandardCharsets.UTF_8))
                .purpose(FilePurpose.FINE_TUNE)
                .build())
        .id();
  }

  static String pair(String animal) {
    return "{\"input\":{\"messages\":[{\"role\":\"user\",\"content\":\"What does the "
        + animal
        + " say?\"}]},\"preferred_output\":[{\"role\":\"assistant\",\"content\":\"The "
        + animal
        + " says moo!\"}],\"non_preferred_output\":[{\"role\":\"assistant\",\"content\":\"The "
        + animal
        + " says hello!\"}]}\n";
  }

  static FineTuningJob finished(String id) throws InterruptedException {
    FineTuningJob job =
        new JobWatch(client)
            .await(id, j -> List.of("succeeded", "failed").contains(j.status().asString()));
    assertThat(job.status().asString()).as("%s", job.error()).isEqualTo("succeeded");
    return job;
  }

  @Test
  void aDpoJobOnAnSftModelTrainsFromItAndServesItsModelsMerged() throws Exception {
    StringBuilder chats = new StringBuilder();
    StringBuilder pairs = new StringBuilder();
    ANIMALS.forEach(
        a -> {
          chats.append(FineTuningJobsTest.line(a));
          pairs.append(pair(a));
        });
    FineTuningJob sft =
        finished(
            client
                .fineTuning()
                .jobs()
                .create(
                    JobCreateParams.builder()
                        .model("tinystories-656k")
                        .trainingFile(upload(chats.toString()))
                        .seed(5)
                        .hyperparameters(
                            JobCreateParams.Hyperparameters.builder()
                                .nEpochs(1)
                                .batchSize(5)
                                .learningRateMultiplier(10.0)
                                .build())
                        .build())
                .id());
    String sftModel = sft.fineTunedModel().orElseThrow();

    String preferences = upload(pairs.toString());
    FineTuningJob created =
        client
            .fineTuning()
            .jobs()
            .create(
                JobCreateParams.builder()
                    .model(sftModel)
                    .trainingFile(preferences)
                    .suffix("moo")
                    .seed(6)
                    .method(
                        JobCreateParams.Method.builder()
                            .type(JobCreateParams.Method.Type.DPO)
                            .dpo(
                                DpoMethod.builder()
                                    .hyperparameters(
                                        DpoHyperparameters.builder()
                                            .nEpochs(2)
                                            .batchSize(5)
                                            .learningRateMultiplier(10.0)
                                            .build())
                                    .build())
                            .build())
                    .build());
    assertThat(created.model()).isEqualTo(sftModel);
    FineTuningJob dpo = finished(created.id());
    String model = dpo.fineTunedModel().orElseThrow();
    assertThat(model).startsWith("ft:tinystories-656k:proj_a:moo:").doesNotContain("ft:ft:");

    // the start: the SFT adapter merged into a copy of the base; the result: merged directories
    Path jobDir = dataDir.resolve("jobs").resolve(dpo.id());
    Path startWeights = jobDir.resolve("start/model.safetensors");
    Path finalWeights = jobDir.resolve("merged/model.safetensors");
    assertThat(startWeights).isRegularFile();
    assertThat(Files.mismatch(startWeights, finalWeights))
        .as("DPO changed the weights")
        .isGreaterThanOrEqualTo(0L);
    FineTunedModels rows = new FineTunedModels(server.database());
    Caller a = new Caller("proj_a", false);
    FineTunedModels.Row row = rows.find(model, a).orElseThrow();
    assertThat(row.baseModel()).isEqualTo("tinystories-656k");
    assertThat(Path.of(row.adapterDir())).isEqualTo(jobDir.resolve("merged").toAbsolutePath());

    List<FineTuningJobCheckpoint> checkpoints =
        client.fineTuning().jobs().checkpoints().list(dpo.id()).data();
    FineTuningJobCheckpoint first =
        checkpoints.stream().filter(c -> c.stepNumber() == 2L).findFirst().orElseThrow();
    String ckpt = first.fineTunedModelCheckpoint();
    assertThat(ckpt).startsWith("ft:tinystories-656k:proj_a:moo:").endsWith(":ckpt-step-2");
    Path ckptDir = Path.of(rows.find(ckpt, a).orElseThrow().adapterDir());
    assertThat(ckptDir)
        .isEqualTo(jobDir.resolve("checkpoints/checkpoint-step-2/merged").toAbsolutePath());
    assertThat(Files.mismatch(startWeights, ckptDir.resolve("model.safetensors")))
        .isGreaterThanOrEqualTo(0L);

    assertThat(FineTuningJobsTest.chat(client, model)).as("the DPO model answers").isNotBlank();
    assertThat(FineTuningJobsTest.chat(client, ckpt)).as("its checkpoint answers").isNotBlank();

    // another project's ft: model is no model at all to project B
    OpenAIClient other = server.client(TestServer.KEY_B);
    BadRequestException e =
        (BadRequestException)
            catchThrowable(
                () ->
                    other
                        .fineTuning()
                        .jobs()
                        .create(
                            JobCreateParams.builder()
                                .model(sftModel)
                                .trainingFile(preferences)
                                .build()));
    assertThat(e).isNotNull();
    assertThat(e.param()).contains("model");
    // and were such a job queued (say the model was deleted meanwhile), its worker refuses it
    TrainableBases bases =
        new TrainableBases(
            Map.of(
                "tinystories-656k", SharedAssets.require("models/hf-TinyStories-656K").toString()),
            Map.of(),
            rows,
            null);
    JobError.Failure refused =
        (JobError.Failure)
            catchThrowable(
                () -> bases.resolve(sftModel, "proj_b", new RunLayout(dataDir.resolve("other"))));
    assertThat(refused.toJson(new ObjectMapper()))
        .contains("\"code\":\"model_not_available\"")
        .contains("\"param\":\"model\"")
        .contains("does not exist in this project");
    assertThat(dataDir.resolve("other")).doesNotExist();
  }

  @Test
  void aFineTunedModelsNamesBeginWithItsOriginalBase() {
    assertThat(TrainableBases.snapshotOf("ft:tinystories-656k:proj_a:sfx:abcd1234", "x"))
        .isEqualTo("tinystories-656k");
    assertThat(TrainableBases.snapshotOf("ft:gpt-4o-mini:proj_a::abcd1234:ckpt-step-4", "x"))
        .isEqualTo("gpt-4o-mini");
    assertThat(TrainableBases.snapshotOf("ft:odd", "tinystories-656k"))
        .isEqualTo("tinystories-656k");
  }
}
