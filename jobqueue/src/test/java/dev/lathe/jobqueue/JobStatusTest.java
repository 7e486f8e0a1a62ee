package dev.lathe.jobqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobStatusTest {

  @Test
  void transitionTableIsExactlyTheDocumentedOne() {
    List<String> moves = new ArrayList<>();
    for (JobStatus from : JobStatus.values()) {
      for (JobStatus to : JobStatus.values()) {
        if (from.canMoveTo(to)) {
          moves.add(from.wireName() + "->" + to.wireName());
        }
      }
    }

    assertThat(moves)
        .containsExactlyInAnyOrder(
            "validating_files->queued",
            "validating_files->failed",
            "validating_files->cancelled",
            "queued->running",
            "queued->paused",
            "queued->cancelled",
            "running->succeeded",
            "running->failed",
            "running->cancelled",
            "running->paused",
            "running->queued",
            "paused->queued",
            "paused->cancelled");
  }

  @Test
  void terminalStatusesAreTheThreeEnds() {
    assertThat(List.of(JobStatus.values()))
        .filteredOn(JobStatus::isTerminal)
        .containsExactlyInAnyOrder(JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED);
  }

  @Test
  void wireNamesRoundTripAndUnknownNamesAreExplained() {
    for (JobStatus s : JobStatus.values()) {
      assertThat(JobStatus.fromWire(s.wireName())).isEqualTo(s);
    }
    assertThatThrownBy(() -> JobStatus.fromWire("done"))
        .hasMessageContaining("'done'")
        .hasMessageContaining("validating_files");
  }
}
