package dev.lathe.dataset.build;

import java.util.TreeSet;

/**
 * A seeded train/validation split by group: every example carries a group key (by default its
 * record, or a field's value), the key and the seed give a 64-bit hash, and the hash alone decides
 * the side, so all examples of a group land on the same side and the same seed gives the same split
 * whatever order the records come in.
 *
 * <ul>
 *   <li>by ratio: a group is in validation when its hash, as a fraction of 2^64, is below the ratio
 *       (about that share of the groups; no memory);
 *   <li>by count: the {@code count} groups with the smallest hashes are in validation (exactly that
 *       many groups; remembers {@code count} hashes).
 * </ul>
 */
public final class SplitPlan {

  private final long seed;
  private final double ratio;
  private final int count;
  private final TreeSet<Long> smallest = new TreeSet<>();

  private SplitPlan(long seed, double ratio, int count) {
    this.seed = seed;
    this.ratio = ratio;
    this.count = count;
  }

  /** A split putting about {@code ratio} of the groups (0 < ratio < 1) in validation. */
  public static SplitPlan byRatio(double ratio, long seed) {
    if (!(ratio > 0 && ratio < 1)) {
      throw new IllegalArgumentException(
          "the validation ratio must be between 0 and 1 (e.g. 0.1), got " + ratio);
    }
    return new SplitPlan(seed, ratio, 0);
  }

  /** A split putting exactly {@code count} groups (at least 1) in validation. */
  public static SplitPlan byCount(int count, long seed) {
    if (count < 1) {
      throw new IllegalArgumentException(
          "the validation count must be at least 1 group, got " + count);
    }
    return new SplitPlan(seed, 0, count);
  }

  /** The seeded hash of a group key: 63 bits, never negative. */
  public long hash(String groupKey) {
    long h = 0xCBF29CE484222325L ^ Deduplicator.mix(seed);
    for (int i = 0; i < groupKey.length(); i++) {
      h = (h ^ groupKey.charAt(i)) * 0x100000001B3L;
    }
    return Deduplicator.mix(h ^ Deduplicator.mix(seed + 0x9E3779B97F4A7C15L)) >>> 1;
  }

  /** Notes a group's hash during the first pass (a split by count keeps the smallest). */
  public void observe(long hash) {
    if (count == 0) {
      return;
    }
    if (smallest.size() < count) {
      smallest.add(hash);
    } else if (hash < smallest.last() && smallest.add(hash)) {
      smallest.pollLast();
    }
  }

  /** Whether the group of {@code hash} goes to validation (after every hash was observed). */
  public boolean validation(long hash) {
    if (count == 0) {
      return (hash >>> 10) * 0x1p-53 < ratio;
    }
    return !smallest.isEmpty() && hash <= smallest.last();
  }

  /** The groups chosen for validation by a split by count (0 for a ratio). */
  public int chosenGroups() {
    return smallest.size();
  }

  /** Whether this is a split by count. */
  public boolean byCount() {
    return count > 0;
  }
}
