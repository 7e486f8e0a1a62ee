package dev.lathe.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class IdsTest {

  @Test
  void idsArePrefixedAlphanumericsOfTheAskedLength() {
    Ids ids = new Ids(new SplittableRandom(1));
    for (int length : new int[] {1, 9, 10, 11, 24, 32}) {
      String id = ids.next("req_", length);
      assertThat(id).startsWith("req_").hasSize(4 + length);
      assertThat(id.substring(4)).matches("[A-Za-z0-9]+");
    }
  }

  @Test
  void everyCharacterIsAboutEquallyLikelyAndIdsDoNotRepeat() {
    Ids ids = new Ids(new SplittableRandom(2));
    Map<Character, Integer> counts = new HashMap<>();
    Set<String> seen = new HashSet<>();
    int n = 20_000;
    for (int i = 0; i < n; i++) {
      String id = ids.next("", 31);
      assertThat(seen.add(id)).as("id %s repeated", id).isTrue();
      for (char c : id.toCharArray()) {
        counts.merge(c, 1, Integer::sum);
      }
    }
    // 620,000 characters over 62 symbols: 10,000 each expected, sd about 100
    assertThat(counts).hasSize(62);
    assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(9_400, 10_600));
  }

  @Test
  void theSameRandomnessGivesTheSameIds() {
    assertThat(new Ids(new SplittableRandom(3)).next("file-", 24))
        .isEqualTo(new Ids(new SplittableRandom(3)).next("file-", 24));
  }
}
