package dev.lathe.finetune.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.testkit.SharedAssets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskSuiteTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SuiteTask.Sizes SIZES = new SuiteTask.Sizes(60, 10, 12);

  private static List<SuiteTask> suite() {
    return TaskSuite.all(SharedAssets.require("datasets/real"));
  }

  @Test
  void theSuiteHasSixTasksWithDistinctNames() {
    assertThat(suite()).hasSize(6);
    assertThat(suite().stream().map(SuiteTask::name).distinct()).hasSize(6);
  }

  @Test
  void generatorsAreDeterministicForASeedAndDifferAcrossSeeds() {
    for (SuiteTask task : suite()) {
      TaskData a = task.generate(7, SIZES);
      assertThat(task.generate(7, SIZES)).as(task.name()).isEqualTo(a);
      if (task.metric() == SuiteTask.Metric.HELD_OUT_SCORE) {
        assertThat(task.generate(8, SIZES).train()).as(task.name()).isNotEqualTo(a.train());
        assertThat(a.train()).hasSize(SIZES.train());
        assertThat(a.valid()).hasSize(SIZES.valid());
        assertThat(a.heldOut()).hasSize(SIZES.heldOut());
      }
    }
  }

  @Test
  void heldOutPromptsAreNeverSeenInTraining() throws Exception {
    for (SuiteTask task : suite()) {
      TaskData d = task.generate(3, SIZES);
      Set<String> trainedUsers = new HashSet<>();
      for (String line : d.train()) {
        for (JsonNode m : JSON.readTree(line).get("messages")) {
          if (m.get("role").asText().equals("user")) {
            trainedUsers.add(m.get("content").asText());
          }
        }
      }
      for (HeldOutPrompt p : d.heldOut()) {
        assertThat(trainedUsers).as(task.name()).doesNotContain(p.messages().getFirst().text());
      }
    }
  }

  @Test
  void everyScorerGivesTheReferenceAnswersFullMarks() {
    for (SuiteTask task : suite()) {
      for (HeldOutPrompt p : task.generate(5, SIZES).heldOut()) {
        assertThat(task.score(p, p.reference()))
            .as(task.name() + ": " + p.reference())
            .isEqualTo(1);
      }
    }
  }

  @Test
  void everyScorerGivesWrongAnswersNothing() {
    List<String> wrong =
        List.of(
            "Once upon a time, there was a little girl named Lily.",
            "",
            "Name: Lily",
            "{\"name\": \"Lily\", \"color\": \"red\"}",
            "{\"name\": \"Lily\", \"color\": \"red\", \"thing\": \"ball\", \"place\": \"park\"}",
            "Wow! Tom has a red ball. Yay!",
            "happy sad");
    for (SuiteTask task : suite()) {
      for (HeldOutPrompt p : task.generate(5, SIZES).heldOut()) {
        if (p.kind().equals("first")) {
          assertThat(task.score(p, WeightZeroTask.UNLEARNT)).as(task.name()).isZero();
          continue;
        }
        for (String w : wrong) {
          assertThat(task.score(p, w)).as(task.name() + " scores '" + w + "'").isZero();
        }
      }
    }
  }

  @Test
  void labelAccuracyNeedsTheRightLabel() {
    LabelTask task = new LabelTask();
    HeldOutPrompt p = task.generate(1, SIZES).heldOut().getFirst();
    String other = p.reference().equals("happy") ? "sad" : "happy";
    assertThat(task.score(p, other)).isZero();
    assertThat(task.score(p, " " + p.reference() + ".")).isEqualTo(1);
  }

  @Test
  void weightZeroTurnsAreMarkedAndNotTrained() throws Exception {
    TaskData d = new WeightZeroTask().generate(2, SIZES);
    JsonNode first = JSON.readTree(d.train().getFirst()).get("messages");
    assertThat(first).hasSize(4);
    assertThat(first.get(1).get("content").asText()).isEqualTo(WeightZeroTask.UNLEARNT);
    assertThat(first.get(1).get("weight").asInt()).isZero();
    assertThat(first.get(3).get("weight").asInt()).isEqualTo(1);
    assertThat(d.heldOut().stream().map(HeldOutPrompt::kind).distinct())
        .containsExactlyInAnyOrder("first", "final");
  }

  @Test
  void theWeightZeroProbeTrainsExactlyTheUnlearntText() throws Exception {
    TaskData d = new WeightZeroTask().generate(2, SIZES);
    List<String> probe = WeightZeroTask.probe(d.valid());
    assertThat(probe).hasSize(d.valid().size());
    JsonNode messages = JSON.readTree(probe.getFirst()).get("messages");
    assertThat(messages).hasSize(2);
    assertThat(messages.get(0).get("content").asText())
        .isEqualTo(
            JSON.readTree(d.valid().getFirst()).get("messages").get(0).get("content").asText());
    assertThat(messages.get(1).get("content").asText()).isEqualTo(WeightZeroTask.UNLEARNT);
    assertThat(messages.get(1).get("weight").asInt()).isEqualTo(1);
  }

  @Test
  void theStyleScoreRefusesADegenerateRepetition() {
    StyleTask task = new StyleTask();
    HeldOutPrompt p = task.generate(1, SIZES).heldOut().getFirst();
    assertThat(task.score(p, "Wow! Mia has a red ball! Wow! Wow! Wow! Wow! Wow! Wow!")).isZero();
  }

  @Test
  void theLimericksAreSeed004sRealFiles() {
    SuiteTask limericks = suite().getLast();
    TaskData d = limericks.generate(0, SIZES);
    assertThat(limericks.metric()).isEqualTo(SuiteTask.Metric.VALID_LOSS_FALL);
    assertThat(d.train()).hasSizeBetween(10, 20);
    assertThat(d.heldOut()).hasSize(d.valid().size());
    assertThat(Path.of(d.heldOut().getFirst().lastUser())).isNotNull();
  }
}
