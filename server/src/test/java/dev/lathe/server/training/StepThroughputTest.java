package dev.lathe.server.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link StepThroughput} on a hand-moved clock: the window, the attempt and the token count. */
class StepThroughputTest {
  static final long SECOND = 1_000_000_000L;

  @Test
  void speedIsUnknownAtTheFirstStepThenMeasuredOverTheWindow() {
    AtomicLong now = new AtomicLong(5 * SECOND);
    StepThroughput t = new StepThroughput(2, now::get, 40);

    t.step(1000, 10);
    assertThat(t.tokensPerSecond()).isNaN();
    assertThat(t.trainedTokens()).isEqualTo(50);

    now.addAndGet(2 * SECOND);
    t.step(100, 5); // 100 tokens in 2 s
    now.addAndGet(SECOND);
    t.step(300, 5); // 300 tokens in 1 s
    assertThat(t.tokensPerSecond()).isEqualTo(400 / 3.0);
    now.addAndGet(SECOND);
    t.step(100, 5); // the window keeps the last two intervals
    assertThat(t.tokensPerSecond()).isEqualTo(400 / 2.0);
    assertThat(t.attemptTokensPerSecond()).isEqualTo(500 / 4.0);
    assertThat(t.measuredSteps()).isEqualTo(3);
    assertThat(t.trainedTokens()).isEqualTo(65);
  }
}
