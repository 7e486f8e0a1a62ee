package dev.lathe.finetune;

import java.util.random.RandomGenerator;

/**
 * A random generator the {@link Trainer} reseeds before every optimizer step (SplitMix64 over a
 * seed derived from the run's seeds and the step number). Give it to the model for its dropout
 * masks: then the randomness a step consumes depends only on the run and the step, so a run resumed
 * from a checkpoint draws the same masks as one that never stopped.
 */
public final class StepRandom implements RandomGenerator {

  private long state;

  /** A generator seeded with {@code seed} until the first reseed. */
  public StepRandom(long seed) {
    this.state = seed;
  }

  /** Restarts the sequence from {@code seed}. */
  public void reseed(long seed) {
    this.state = seed;
  }

  @Override
  public long nextLong() {
    long z = (state += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
