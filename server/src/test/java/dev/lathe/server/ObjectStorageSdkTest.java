package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponse;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import dev.lathe.testkit.TestS3;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAI SDK's workflow on a server whose storage is an S3 bucket of a real S3 API server
 * (S3Proxy over HTTP, its own JVM) and whose database is PostgreSQL: upload, fine-tune, serve the
 * {@code ft:} model from the bucket (the run directory deleted first), download the result file;
 * then the store goes away: an upload is a 503 naming the endpoint and bucket, a job fails saying
 * the same, and once the store is back every earlier file reads as it was.
 */
class ObjectStorageSdkTest {
  static final String PREFIX = "lathe/";

  @TempDir Path dir;
  TestS3 s3;
  TestServer server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  static StorageConfig s3(TestS3 s3) {
    return new StorageConfig(
        "s3",
        s3.endpoint().toString(),
        "us-east-1",
        TestS3.BUCKET,
        PREFIX,
        true,
        TestS3.ACCESS_KEY,
        TestS3.SECRET_KEY,
        0,
        0);
  }

  static String content(OpenAIClient client, String id) throws IOException {
    try (HttpResponse r = client.files().content(id);
        InputStream in = r.body()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A LoRA job on TinyStories-656K: 16 examples, batch 4, 2 epochs (checkpoints at 4 and 8). */
  static FineTuningJob create(OpenAIClient client, String trainFile, String suffix) {
    return client
        .fineTuning()
        .jobs()
        .create(
            JobCreateParams.builder()
                .model("tinystories-656k")
                .trainingFile(trainFile)
                .suffix(suffix)
                .seed(7)
                .hyperparameters(
                    JobCreateParams.Hyperparameters.builder()
                        .nEpochs(2)
                        .batchSize(4)
                        .learningRateMultiplier(10.0)
                        .build())
                .build());
  }

  static List<String> keys(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile)
          .map(p -> root.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void uploadFineTuneServeAndDownloadWithEverythingInTheBucket() throws Exception {
    s3 = TestS3.start(dir.resolve("s3"));
    server = TestServer.withStorage(dir.resolve("data"), 1, s3(s3));
    OpenAIClient client = server.client(TestServer.KEY_A);
    StringBuilder train = new StringBuilder();
    for (String animal : FineTuningJobsTest.ANIMALS) {
      train.append(FineTuningJobsTest.line(animal));
    }
    String trainFile =
        FileValidationReportTest.upload(client, train.toString(), FilePurpose.FINE_TUNE);
    Path bucket = s3.bucketDir().resolve(PREFIX);
    // the bytes are in the bucket, not in the data directory's files/
    assertThat(Files.readString(bucket.resolve("files").resolve(trainFile)))
        .isEqualTo(train.toString());
    assertThat(server.dataDir.resolve("files")).doesNotExist();

    FineTuningJob created = create(client, trainFile, "s3");
    FineTuningJob job =
        new JobWatch(client)
            .await(created.id(), j -> j.status().asString().matches("succeeded|failed"));
    assertThat(job.status().asString()).as("error: %s", job.error()).isEqualTo("succeeded");
    String model = job.fineTunedModel().orElseThrow();

    // the checkpoints and the final adapter went to the bucket
    List<String> stored = keys(bucket.resolve("jobs").resolve(job.id()));
    assertThat(stored)
        .contains(
            "adapter/adapter_config.json",
            "checkpoints/checkpoint-step-4/state.json",
            "checkpoints/checkpoint-step-8/state.json");

    // the ft: model is served from the bucket: no run directory, no cached copy on this machine
    deleteTree(server.dataDir.resolve("jobs"));
    deleteTree(server.dataDir.resolve("cache"));
    assertThat(FineTuningJobsTest.chat(client, model)).as("the ft: model answers").isNotBlank();
    assertThat(server.dataDir.resolve("cache/jobs").resolve(job.id()).resolve("adapter"))
        .isDirectoryContaining(p -> p.getFileName().toString().equals("adapter_config.json"));

    // the result file is read back through the bucket and matches what is stored there
    String resultId = job.resultFiles().getFirst();
    String csv = content(client, resultId);
    assertThat(csv).startsWith("step,train_loss,train_accuracy,valid_loss");
    assertThat(csv.lines()).hasSize(9);
    assertThat(Files.readString(bucket.resolve("files").resolve(resultId))).isEqualTo(csv);
    assertThat(content(client, trainFile)).isEqualTo(train.toString());

    // the store goes away: an upload is refused with a 503 naming it, and stores nothing
    s3.close();
    OpenAIServiceException refused =
        catchThrowableOfType(
            OpenAIServiceException.class,
            () ->
                FileValidationReportTest.upload(
                    client, FineTuningJobsTest.line("cow"), FilePurpose.FINE_TUNE));
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.getMessage())
        .contains(s3.endpoint().toString())
        .contains("bucket `" + TestS3.BUCKET + "`")
        .doesNotContain(TestS3.SECRET_KEY);
    assertThat(refused.code()).contains("object_store_unavailable");
    long files = client.files().list().data().size();

    // a job cannot store its run: it fails with a message naming the store
    FineTuningJob blind = create(client, trainFile, "down");
    FineTuningJob failed =
        new JobWatch(client)
            .await(blind.id(), j -> j.status().asString().matches("succeeded|failed"));
    assertThat(failed.status().asString()).isEqualTo("failed");
    assertThat(failed.error().orElseThrow().message())
        .contains(s3.endpoint().toString())
        .contains("bucket `" + TestS3.BUCKET + "`");

    // a download that needs the store is refused the same way
    deleteTree(server.dataDir.resolve("cache"));
    OpenAIServiceException unreadable =
        catchThrowableOfType(OpenAIServiceException.class, () -> content(client, resultId));
    assertThat(unreadable.statusCode()).isEqualTo(503);
    assertThat(unreadable.getMessage()).contains(s3.endpoint().toString());

    // back again: nothing stored was lost, the failed upload left no file behind
    s3.restart();
    assertThat(client.files().list().data()).hasSize((int) files);
    assertThat(content(client, trainFile)).isEqualTo(train.toString());
    assertThat(content(client, resultId)).isEqualTo(csv);
    assertThat(
            FileUploadTest.sha256(Files.readAllBytes(bucket.resolve("files").resolve(trainFile))))
        .isEqualTo(FileUploadTest.sha256(train.toString().getBytes(StandardCharsets.UTF_8)));
  }
}
