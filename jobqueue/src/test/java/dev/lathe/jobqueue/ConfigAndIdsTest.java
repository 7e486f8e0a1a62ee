package dev.lathe.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ConfigAndIdsTest {

  @Test
  void heartbeatMustFitThreeTimesIntoTheLease() {
    assertThatThrownBy(
            () ->
                new WorkerConfig(
                    "w",
                    1,
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(20),
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most a third of leaseDuration");
    assertThatThrownBy(() -> WorkerConfig.defaults(" "))
        .hasMessageContaining("workerId must not be blank");
    assertThat(WorkerConfig.defaults("w").withWorkerId("v").workerId()).isEqualTo("v");
  }

  @Test
  void newJobStartsValidatingOrQueued() {
    assertThatThrownBy(() -> new NewJob("p", "{}", 0, JobStatus.RUNNING))
        .hasMessageContaining("validating_files or queued");
    assertThatThrownBy(() -> NewJob.queued("", "{}")).hasMessageContaining("project");
  }

  @Test
  void idsHaveOpenAiShapeAndDoNotRepeat() {
    IdGenerator ids = new RandomIdGenerator(new SplittableRandom(1));
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String id = ids.next(IdGenerator.EVENT);
      assertThat(id).matches("ftevent-[A-Za-z0-9]{24}");
      seen.add(id);
    }
    assertThat(seen).hasSize(10_000);
  }

  @Test
  void migrationScriptsSplitIntoStatements() {
    String script =
        "-- comment\nCREATE TABLE a (\n  x INTEGER\n);\n\nINSERT INTO a (x) VALUES (1);\n";

    assertThat(JdbcMigrations.statements(script))
        .containsExactly("CREATE TABLE a (\n  x INTEGER\n)", "INSERT INTO a (x) VALUES (1)");
    assertThatThrownBy(() -> JdbcMigrations.statements("SELECT 1"))
        .hasMessageContaining("without ';'");
    assertThat(JdbcMigrations.versionOf("V12__more.sql")).isEqualTo(12);
    assertThatThrownBy(() -> JdbcMigrations.versionOf("init.sql"))
        .hasMessageContaining("V<number>__<name>.sql");
  }
}
