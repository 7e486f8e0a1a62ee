package dev.lathe.dataset;

import java.util.Map;
import java.util.TreeMap;

/**
 * Accumulates non-negative integer values (tokens or messages per example) in bounded memory and
 * summarises them with numpy-compatible quantiles.
 *
 * <p>Memory choice: per-example counts are small integers, so values below {@value #DENSE_LIMIT}
 * are counted in a dense histogram (one {@code long} per value: 512 KiB), which is exact for any
 * number of examples. Larger values are kept exactly in a sorted value→count map until it holds
 * {@value #MAX_LARGE_DISTINCT} distinct values; after that every large value is rounded to the
 * midpoint of a logarithmic bucket (relative width 1/{@value #BUCKETS_PER_OCTAVE} of an octave,
 * i.e. under 0.3% error) and the summary is marked inexact. Count, min, max, sum and mean stay
 * exact in every case. Memory is therefore independent of the file size. Not thread-safe.
 */
public final class StatisticDistribution {

  /** Values below this are counted exactly in a dense array. */
  public static final int DENSE_LIMIT = 1 << 16;

  /** Distinct large values kept exactly before switching to logarithmic buckets. */
  public static final int MAX_LARGE_DISTINCT = 1 << 16;

  private static final int BUCKETS_PER_OCTAVE = 256;

  private final long[] dense = new long[DENSE_LIMIT];
  private final TreeMap<Long, Long> large = new TreeMap<>();
  private boolean bucketed;
  private long count;
  private long sum;
  private long min = Long.MAX_VALUE;
  private long max = Long.MIN_VALUE;

  /** Adds one value. */
  public void add(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("values must be >= 0, got " + value);
    }
    count++;
    sum += value;
    min = Math.min(min, value);
    max = Math.max(max, value);
    if (value < DENSE_LIMIT) {
      dense[(int) value]++;
      return;
    }
    if (!bucketed && large.size() >= MAX_LARGE_DISTINCT && !large.containsKey(value)) {
      switchToBuckets();
    }
    large.merge(bucketed ? bucket(value) : value, 1L, Long::sum);
  }

  /** Number of values added. */
  public long count() {
    return count;
  }

  /** Sum of the values added. */
  public long sum() {
    return sum;
  }

  /** Whether every value is still held exactly. */
  public boolean exact() {
    return !bucketed;
  }

  /** The summary, or null when no value was added. */
  public StatisticSummary summary() {
    if (count == 0) {
      return null;
    }
    double mean = (double) sum / count;
    double median =
        count % 2 == 1
            ? orderStatistic(count / 2)
            : (orderStatistic(count / 2 - 1) + orderStatistic(count / 2)) / 2.0;
    return new StatisticSummary(
        count,
        min,
        max,
        mean,
        median,
        quantile(0.05),
        quantile(0.95),
        quantile(0.1),
        quantile(0.9),
        exact());
  }

  /**
   * The {@code q} quantile as {@code numpy.quantile(values, q)} computes it with its default linear
   * method: virtual index {@code h = (n-1)·q}, then interpolation between the order statistics at
   * {@code floor(h)} and {@code floor(h)+1}, written the way numpy writes it so results agree to
   * the last bit.
   */
  public double quantile(double q) {
    if (count == 0) {
      throw new IllegalStateException("no values");
    }
    if (q < 0 || q > 1) {
      throw new IllegalArgumentException("quantile must be in [0, 1], got " + q);
    }
    double h = (count - 1) * q;
    double lower = Math.floor(h);
    double gamma = h - lower;
    long previous = (long) lower;
    long next = Math.min(previous + 1, count - 1);
    double a = orderStatistic(previous);
    double b = orderStatistic(next);
    double diff = b - a;
    return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
  }

  /** The value of rank {@code k} (0-based) in sorted order. */
  private double orderStatistic(long k) {
    long seen = 0;
    if (min < DENSE_LIMIT) {
      int top = (int) Math.min(max, DENSE_LIMIT - 1);
      for (int v = (int) min; v <= top; v++) {
        seen += dense[v];
        if (seen > k) {
          return v;
        }
      }
    }
    for (Map.Entry<Long, Long> entry : large.entrySet()) {
      seen += entry.getValue();
      if (seen > k) {
        return entry.getKey();
      }
    }
    throw new IllegalStateException("rank " + k + " out of " + count);
  }

  private void switchToBuckets() {
    TreeMap<Long, Long> exactValues = new TreeMap<>(large);
    large.clear();
    for (Map.Entry<Long, Long> entry : exactValues.entrySet()) {
      large.merge(bucket(entry.getKey()), entry.getValue(), Long::sum);
    }
    bucketed = true;
  }

  /** The midpoint of the logarithmic bucket holding {@code value} (value >= DENSE_LIMIT). */
  static long bucket(long value) {
    int octave = 63 - Long.numberOfLeadingZeros(value);
    int shift = octave - 8; // 2^8 = BUCKETS_PER_OCTAVE sub-buckets per octave
    long low = (value >>> shift) << shift;
    return low + (1L << shift) / 2;
  }
}
