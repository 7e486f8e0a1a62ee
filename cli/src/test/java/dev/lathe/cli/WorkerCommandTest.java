package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@code lathe worker} refuses settings it cannot run with, before touching any database. */
class WorkerCommandTest {

  @Test
  void aLeaseShorterThanThreeHeartbeatsIsRefused() {
    LatheRun run = LatheRun.of("worker", "--lease", "2", "--data-dir", "/nonexistent/data");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("--lease is 2 s; it must be at least 3");
  }

  @Test
  void theWorkerCountMustBePositive() {
    LatheRun run = LatheRun.of("worker", "--workers", "0", "--data-dir", "/nonexistent/data");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains("--workers is 0; it must be 1-64");
  }

  @Test
  void helpSaysRemoteWorkersNeedASharedDataDirectory() {
    LatheRun run = LatheRun.of("worker", "--help");
    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("shared filesystem").contains("--db-url").contains("SIGTERM");
  }
}
