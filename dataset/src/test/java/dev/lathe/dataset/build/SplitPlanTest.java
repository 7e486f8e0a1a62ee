package dev.lathe.dataset.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SplitPlanTest {

  private static Set<String> validation(SplitPlan plan, List<String> keys) {
    for (String key : keys) {
      plan.observe(plan.hash(key));
    }
    Set<String> chosen = new TreeSet<>();
    for (String key : keys) {
      if (plan.validation(plan.hash(key))) {
        chosen.add(key);
      }
    }
    return chosen;
  }

  @Test
  void theSideOfAGroupDoesNotDependOnTheOrderOfTheRecords() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      keys.add("record " + i);
    }
    List<String> shuffled = new ArrayList<>(keys);
    Collections.shuffle(shuffled, new Random(3));

    assertThat(validation(SplitPlan.byCount(37, 9), shuffled))
        .isEqualTo(validation(SplitPlan.byCount(37, 9), keys))
        .hasSize(37);
    assertThat(validation(SplitPlan.byRatio(0.25, 9), shuffled))
        .isEqualTo(validation(SplitPlan.byRatio(0.25, 9), keys));
    // 1000 groups at 0.25: 250 expected, binomial standard deviation about 14.
    assertThat(validation(SplitPlan.byRatio(0.25, 9), keys).size()).isBetween(190, 310);
  }

  @Test
  void repeatedKeysAreOneGroupForACount() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      keys.add("g" + i % 10);
    }
    assertThat(validation(SplitPlan.byCount(3, 1), keys)).hasSize(3);
  }
}
