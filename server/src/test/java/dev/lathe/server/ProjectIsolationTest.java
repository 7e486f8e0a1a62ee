package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.FineTuningJobEvent;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.models.Model;
import dev.lathe.server.store.FineTunedModels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Project A's key cannot read, list, delete or chat with project B's objects; an admin key sees
 * (lists and retrieves) every project's files, jobs and models. On SQLite and on PostgreSQL.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class ProjectIsolationTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static OpenAIClient a;
  static OpenAIClient b;
  static OpenAIClient admin;
  static final String B_MODEL = "ft:stories260k:proj_b:mine:AbCd1234";
  static final String B_KEPT_MODEL = "ft:stories260k:proj_b:kept:EfGh5678";

  @Parameter TestDatabase database;

  @BeforeParameterizedClassInvocation
  static void start(TestDatabase database) throws IOException {
    server = new TestServer(dataDir.resolve(database.name()), database);
    a = server.client(TestServer.KEY_A);
    b = server.client(TestServer.KEY_B);
    admin = server.client(TestServer.KEY_ADMIN);
    FineTunedModels models = new FineTunedModels(server.database());
    for (String id : List.of(B_MODEL, B_KEPT_MODEL)) {
      models.insert(
          new FineTunedModels.Row(
              id,
              "proj_b",
              Instant.ofEpochSecond(1_700_000_000L),
              "stories260k",
              "/nowhere/adapter",
              null));
    }
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  private static String trainingFile(OpenAIClient owner) {
    String line =
        "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},"
            + "{\"role\":\"assistant\",\"content\":\"Once upon a time\"}]}\n";
    return owner
        .files()
        .create(
            FileCreateParams.builder()
                .file(line.repeat(10).getBytes(StandardCharsets.UTF_8))
                .purpose(FilePurpose.FINE_TUNE)
                .build())
        .id();
  }

  private static FineTuningJob job(OpenAIClient owner) {
    return owner
        .fineTuning()
        .jobs()
        .create(
            JobCreateParams.builder()
                .model("tinystories-656k")
                .trainingFile(trainingFile(owner))
                .build());
  }

  @Test
  void anAdminKeySeesEveryProjectsFilesJobsAndModels() throws IOException {
    FineTuningJob mine = job(a);
    FineTuningJob theirs = job(b);
    String theirFile = theirs.trainingFile();

    assertThat(admin.fineTuning().jobs().list().data())
        .extracting(FineTuningJob::id)
        .contains(mine.id(), theirs.id());
    assertThat(a.fineTuning().jobs().list().data())
        .extracting(FineTuningJob::id)
        .contains(mine.id())
        .doesNotContain(theirs.id());
    assertThat(admin.fineTuning().jobs().retrieve(theirs.id()).id()).isEqualTo(theirs.id());
    assertThat(admin.fineTuning().jobs().listEvents(theirs.id()).data())
        .extracting(FineTuningJobEvent::message)
        .contains("Created fine-tuning job: " + theirs.id());
    assertThat(admin.fineTuning().jobs().checkpoints().list(theirs.id()).data()).isEmpty();
    assertThatThrownBy(() -> a.fineTuning().jobs().retrieve(theirs.id()))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> a.fineTuning().jobs().listEvents(theirs.id()))
        .isInstanceOf(NotFoundException.class);

    assertThat(admin.files().retrieve(theirFile).id()).isEqualTo(theirFile);
    try (HttpResponse content = admin.files().content(theirFile)) {
      assertThat(new String(content.body().readAllBytes(), StandardCharsets.UTF_8))
          .startsWith("{\"messages\"");
    }
    assertThat(admin.models().retrieve(B_KEPT_MODEL).ownedBy()).isEqualTo("proj_b");
  }

  @Test
  void filesOfAnotherProjectAreInvisible() {
    FileObject mine =
        b.files()
            .create(
                FileCreateParams.builder()
                    .file(
                        "{\"prompt\":\"a\",\"completion\":\"b\"}\n"
                            .getBytes(StandardCharsets.UTF_8))
                    .purpose(FilePurpose.FINE_TUNE)
                    .build());
    assertThatThrownBy(() -> a.files().retrieve(mine.id()))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("No such File object: " + mine.id());
    assertThatThrownBy(() -> a.files().content(mine.id())).isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> a.files().delete(mine.id())).isInstanceOf(NotFoundException.class);
    assertThat(a.files().list().data()).extracting(FileObject::id).doesNotContain(mine.id());
    assertThat(b.files().list().data()).extracting(FileObject::id).contains(mine.id());
    assertThat(admin.files().list().data()).extracting(FileObject::id).contains(mine.id());
    assertThat(b.files().retrieve(mine.id()).id()).isEqualTo(mine.id());
  }

  @Test
  void fineTunedModelsOfAnotherProjectAreInvisible() {
    assertThat(a.models().list().data()).extracting(Model::id).doesNotContain(B_MODEL);
    assertThat(b.models().list().data()).extracting(Model::id).contains(B_MODEL);
    assertThat(admin.models().list().data()).extracting(Model::id).contains(B_MODEL);
    assertThat(b.models().retrieve(B_MODEL).ownedBy()).isEqualTo("proj_b");
    assertThatThrownBy(() -> a.models().retrieve(B_MODEL))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("does not exist or you do not have access to it");
    assertThatThrownBy(
            () ->
                a.chat()
                    .completions()
                    .create(
                        ChatCompletionCreateParams.builder()
                            .model(B_MODEL)
                            .addUserMessage("hi")
                            .maxCompletionTokens(4)
                            .build()))
        .isInstanceOf(NotFoundException.class);
    assertThatThrownBy(() -> a.models().delete(B_MODEL)).isInstanceOf(NotFoundException.class);
    assertThat(b.models().delete(B_MODEL).deleted()).isTrue();
    assertThatThrownBy(() -> b.models().retrieve(B_MODEL)).isInstanceOf(NotFoundException.class);
  }
}
