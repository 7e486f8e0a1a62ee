package dev.lathe.server.training;

import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * A training attempt's speed and loss-token count, step by step, for the metrics events' extension
 * fields: tokens per second over the last few step intervals (every token processed, context
 * included, so that it can be multiplied back into a time for a token count) and the loss tokens
 * trained so far. An attempt's first step has no measured interval (its start is hidden behind
 * model loading, DPO's reference pass or a resume), so the speed is known from its second step on.
 */
final class StepThroughput {
  private final int windowSteps;
  private final LongSupplier nanos;
  private final ArrayDeque<long[]> window = new ArrayDeque<>(); // {tokens, start, end}
  private long lastEnd = -1;
  private long attemptStart = -1;
  private long attemptTokens;
  private int attemptSteps;
  private long trained;
  private long lastStepNanos = -1;

  /**
   * @param windowSteps step intervals {@link #tokensPerSecond()} is measured over
   * @param nanos a monotonic clock in nanoseconds
   * @param trainedBefore loss tokens trained before this attempt (a resume), else 0
   */
  StepThroughput(int windowSteps, LongSupplier nanos, long trainedBefore) {
    this.windowSteps = windowSteps;
    this.nanos = nanos;
    this.trained = trainedBefore;
  }

  /** Records a step that just ended, with its processed and loss-bearing tokens. */
  public void step(long tokens, long trainedTokens) {
    long now = nanos.getAsLong();
    trained += trainedTokens;
    if (lastEnd < 0) {
      attemptStart = now;
      lastStepNanos = -1;
    } else {
      lastStepNanos = now - lastEnd;
      window.addLast(new long[] {tokens, lastEnd, now});
      attemptTokens += tokens;
      attemptSteps++;
      while (window.size() > windowSteps) {
        window.pollFirst();
      }
    }
    lastEnd = now;
  }

  /** Tokens per second over the recent step intervals; NaN before the second step. */
  double tokensPerSecond() {
    if (window.isEmpty()) {
      return Double.NaN;
    }
    long tokens = 0;
    for (long[] w : window) {
      tokens += w[0];
    }
    return perSecond(tokens, window.peekLast()[2] - window.peekFirst()[1]);
  }

  /** Tokens per second over every measured step of this attempt; NaN before the second step. */
  double attemptTokensPerSecond() {
    return attemptSteps == 0 ? Double.NaN : perSecond(attemptTokens, lastEnd - attemptStart);
  }

  /** How long the last step took (from the previous step's end); -1 for an attempt's first. */
  long lastStepNanos() {
    return lastStepNanos;
  }

  /** Step intervals measured in this attempt. */
  int measuredSteps() {
    return attemptSteps;
  }

  /** Loss-bearing tokens trained so far, earlier attempts included. */
  public long trainedTokens() {
    return trained;
  }

  private static double perSecond(long tokens, long elapsedNanos) {
    return elapsedNanos <= 0 ? Double.NaN : tokens / (elapsedNanos / 1e9);
  }
}
