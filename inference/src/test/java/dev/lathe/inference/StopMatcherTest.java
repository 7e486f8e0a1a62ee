package dev.lathe.inference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {

  @Test
  void holdsBackAPossibleStartAndReleasesItWhenItTurnsOutNotToBe() {
    StopMatcher matcher = new StopMatcher(List.of("END"));
    assertThat(matcher.push("the E")).isEqualTo("the ");
    assertThat(matcher.push("N")).isEmpty();
    assertThat(matcher.push("d")).isEqualTo("ENd");
    assertThat(matcher.matched()).isFalse();
  }

  @Test
  void dropsTheStopStringAndEverythingAfterItAcrossDeltas() {
    StopMatcher matcher = new StopMatcher(List.of("END"));
    assertThat(matcher.push("one E")).isEqualTo("one ");
    assertThat(matcher.push("N")).isEmpty();
    assertThat(matcher.push("D two")).isEmpty();
    assertThat(matcher.matched()).isTrue();
  }

  @Test
  void theEarliestOfSeveralStopStringsWins() {
    StopMatcher matcher = new StopMatcher(List.of("zzz", "\n\n"));
    assertThat(matcher.push("a\n\nb zzz")).isEqualTo("a");
    assertThat(matcher.matched()).isTrue();
  }

  @Test
  void flushReleasesAHeldTailWhenTheTextEnds() {
    StopMatcher matcher = new StopMatcher(List.of("User:"));
    assertThat(matcher.push("Bye. Us")).isEqualTo("Bye. ");
    assertThat(matcher.flush()).isEqualTo("Us");
  }

  @Test
  void withoutStopStringsEverythingPassesThrough() {
    StopMatcher matcher = new StopMatcher(List.of());
    assertThat(matcher.push("abc")).isEqualTo("abc");
    assertThat(matcher.flush()).isEmpty();
  }
}
