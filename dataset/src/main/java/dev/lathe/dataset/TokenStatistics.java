package dev.lathe.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * Gathers {@link DatasetStatistics} while validation streams through a file: register it as the
 * validator's {@link ExampleListener}, then call {@link #finish()}.
 *
 * <p>Memory is bounded whatever the file size: each measure is a {@link StatisticDistribution}.
 * Tokenizing is the slow part; given an executor, examples are counted in batches on its threads
 * while the caller keeps parsing, with at most {@code 2 × parallelism} batches in flight, and the
 * results are folded in on the caller's thread (so the accumulators need no locks). Examples must
 * not be mutated after they are passed in. One instance serves one file and one thread of calls.
 */
public final class TokenStatistics implements ExampleListener {

  private static final int BATCH = 256;

  private final TokenCounter counter;
  private final int maxTokensPerExample;
  private final ExecutorService executor;
  private final int maxInFlight;
  private final ArrayDeque<Future<ExampleTokenCount[]>> inFlight = new ArrayDeque<>();
  private final ArrayDeque<boolean[]> inFlightValidity = new ArrayDeque<>();
  private List<JsonNode> batch = new ArrayList<>();
  private List<DatasetFormat> batchFormats = new ArrayList<>();
  private boolean[] batchValid = new boolean[BATCH];

  private final StatisticDistribution messages = new StatisticDistribution();
  private final StatisticDistribution tokens = new StatisticDistribution();
  private final StatisticDistribution assistant = new StatisticDistribution();
  private final StatisticDistribution trained = new StatisticDistribution();
  private long examples;
  private long withErrors;
  private long missingSystem;
  private long missingUser;
  private long overLimit;
  private long billed;
  private boolean finished;

  /** Counts on the calling thread. */
  public TokenStatistics(TokenCounter counter, int maxTokensPerExample) {
    this(counter, maxTokensPerExample, null, 0);
  }

  /**
   * Counts on {@code executor}'s threads ({@code parallelism} of them are expected to be free); the
   * caller owns and shuts down the executor.
   */
  public static TokenStatistics parallel(
      TokenCounter counter, int maxTokensPerExample, ExecutorService executor, int parallelism) {
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be >= 1, got " + parallelism);
    }
    return new TokenStatistics(
        counter, maxTokensPerExample, Objects.requireNonNull(executor), 2 * parallelism);
  }

  private TokenStatistics(
      TokenCounter counter, int maxTokensPerExample, ExecutorService executor, int maxInFlight) {
    this.counter = Objects.requireNonNull(counter, "counter");
    if (maxTokensPerExample < 1) {
      throw new IllegalArgumentException(
          "maxTokensPerExample must be >= 1, got " + maxTokensPerExample);
    }
    this.maxTokensPerExample = maxTokensPerExample;
    this.executor = executor;
    this.maxInFlight = maxInFlight;
  }

  @Override
  public void onExample(long line, DatasetFormat format, JsonNode example, boolean valid) {
    if (finished) {
      throw new IllegalStateException("statistics already finished");
    }
    if (executor == null) {
      record(counter.count(format, example), valid);
      return;
    }
    batchValid[batch.size()] = valid;
    batch.add(example);
    batchFormats.add(format);
    if (batch.size() == BATCH) {
      submitBatch();
    }
  }

  /** Waits for pending counts and returns the statistics; call once, after the last example. */
  public DatasetStatistics finish() {
    if (!finished) {
      if (executor != null) {
        if (!batch.isEmpty()) {
          submitBatch();
        }
        while (!inFlight.isEmpty()) {
          foldOldest();
        }
      }
      finished = true;
    }
    return new DatasetStatistics(
        examples,
        withErrors,
        missingSystem,
        missingUser,
        messages.summary(),
        tokens.summary(),
        assistant.summary(),
        trained.summary(),
        maxTokensPerExample,
        overLimit,
        tokens.sum(),
        billed);
  }

  private void submitBatch() {
    List<JsonNode> nodes = batch;
    List<DatasetFormat> formats = batchFormats;
    boolean[] valid = Arrays.copyOf(batchValid, nodes.size());
    inFlight.add(
        executor.submit(
            () -> {
              ExampleTokenCount[] counts = new ExampleTokenCount[nodes.size()];
              for (int i = 0; i < counts.length; i++) {
                counts[i] = counter.count(formats.get(i), nodes.get(i));
              }
              return counts;
            }));
    inFlightValidity.add(valid);
    batch = new ArrayList<>(BATCH);
    batchFormats = new ArrayList<>(BATCH);
    while (inFlight.size() > maxInFlight) {
      foldOldest();
    }
  }

  private void foldOldest() {
    Future<ExampleTokenCount[]> oldest = inFlight.removeFirst();
    boolean[] valid = inFlightValidity.removeFirst();
    ExampleTokenCount[] counts;
    try {
      counts = oldest.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while counting tokens", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("counting tokens failed: " + e.getCause(), e.getCause());
    }
    for (int i = 0; i < counts.length; i++) {
      record(counts[i], valid[i]);
    }
  }

  private void record(ExampleTokenCount count, boolean valid) {
    examples++;
    if (!valid) {
      withErrors++;
    }
    if (count.hasMessages()) {
      messages.add(count.messages());
      if (!count.hasSystem()) {
        missingSystem++;
      }
      if (!count.hasUser()) {
        missingUser++;
      }
    }
    tokens.add(count.tokens());
    assistant.add(count.assistantTokens());
    trained.add(count.trainedTokens());
    if (count.tokens() > maxTokensPerExample) {
      overLimit++;
    }
    billed += Math.min(maxTokensPerExample, count.tokens());
  }
}
