package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLayoutTest {

  @Test
  void pathsAreTheOnesEarlierRunsWrote(@TempDir Path dir) {
    RunLayout run = new RunLayout(dir);
    assertThat(run.results(false)).isEqualTo(dir.resolve("results.csv"));
    assertThat(run.results(true)).isEqualTo(dir.resolve("results-resumed.csv"));
    assertThat(run.checkpoint(12).dir()).isEqualTo(dir.resolve("checkpoints/checkpoint-step-12"));
    assertThat(run.checkpoint(12).state())
        .isEqualTo(dir.resolve("checkpoints/checkpoint-step-12/state.json"));
    assertThat(run.checkpoint(12).adapter())
        .isEqualTo(dir.resolve("checkpoints/checkpoint-step-12/adapter"));
    assertThat(run.checkpoint(12).merged())
        .isEqualTo(dir.resolve("checkpoints/checkpoint-step-12/merged"));
    assertThat(run.referenceLogProbs())
        .isEqualTo(dir.resolve("checkpoints/reference-logprobs.json"));
    assertThat(run.adapter()).isEqualTo(dir.resolve("adapter"));
    assertThat(run.merged()).isEqualTo(dir.resolve("merged"));
    assertThat(run.start()).isEqualTo(dir.resolve("start"));
  }

  @Test
  void theNewestCheckpointIsTheHighestCompleteStep(@TempDir Path dir) throws Exception {
    RunLayout run = new RunLayout(dir);
    assertThat(run.newestCheckpoint()).isEmpty();
    for (int step : new int[] {2, 10, 9}) {
      Files.createDirectories(run.checkpoint(step).dir());
      Files.writeString(run.checkpoint(step).state(), "{}");
    }
    Files.createDirectories(run.checkpoint(11).dir()); // no state: not complete
    Files.createDirectories(run.checkpoints().resolve("checkpoint-step-x"));
    assertThat(run.checkpointsOnDisk())
        .extracting(RunLayout.Checkpoint::step)
        .containsExactly(2, 9, 10);
    assertThat(run.newestCheckpoint()).contains(run.checkpoint(10));
    assertThat(RunLayout.Checkpoint.of(run.checkpoint(7).dir())).contains(run.checkpoint(7));
  }

  @Test
  void aCheckpointIsServedFromItsAdapterWhenItHasOne(@TempDir Path dir) throws Exception {
    RunLayout.Checkpoint c = new RunLayout(dir).checkpoint(3);
    assertThat(c.servable()).isEqualTo(c.merged());
    Files.createDirectories(c.adapter());
    assertThat(c.servable()).isEqualTo(c.adapter());
  }
}
