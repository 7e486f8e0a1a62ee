package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.models.Model;
import dev.lathe.jobqueue.JdbcDataSources;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Project A's key cannot read, list, delete or chat with project B's objects; admin sees all. */
class ProjectIsolationTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static OpenAIClient a;
  static OpenAIClient b;
  static OpenAIClient admin;
  static final String B_MODEL = "ft:stories260k:proj_b:mine:AbCd1234";

  @BeforeAll
  static void start() throws IOException {
    server = new TestServer(dataDir);
    a = server.client(TestServer.KEY_A);
    b = server.client(TestServer.KEY_B);
    admin = server.client(TestServer.KEY_ADMIN);
    new FineTunedModels(JdbcDataSources.sqlite(dataDir.resolve("lathe.db")))
        .insert(
            new FineTunedModels.Row(
                B_MODEL, "proj_b", 1_700_000_000L, "stories260k", "/nowhere/adapter", null));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
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
