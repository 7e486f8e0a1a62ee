package dev.lathe.finetune;

import dev.lathe.transformer.train.TokenBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Splits the examples of one optimizer step into {@link TokenBatch}es of at most {@code maxTokens}
 * positions (rows × seqLen), so memory is bounded whatever the batch size.
 *
 * <p>Packed (the default): examples are laid one after another in rows of up to {@code maxTokens}
 * positions (never split across rows); positions restart at 0 and each example is its own segment,
 * so nothing attends across examples and no compute is spent on padding beyond a row's tail.
 * Padded: one example per row, rows as long as the longest example of the batch. Either way the
 * examples keep their order and each batch's segments are numbered from 0 in that order.
 */
public final class MicroBatcher {

  private final int maxTokens;
  private final boolean packed;

  /**
   * A batcher.
   *
   * @param maxTokens positions per micro-batch; at least the longest example
   * @param packed pack several examples per row (true) or pad one per row (false)
   */
  public MicroBatcher(int maxTokens, boolean packed) {
    if (maxTokens < 1) {
      throw new IllegalArgumentException("micro-batch size must be positive, got " + maxTokens);
    }
    this.maxTokens = maxTokens;
    this.packed = packed;
  }

  /** A micro-batch and, per segment, the index of its example in the step's list. */
  public record MicroBatch(TokenBatch batch, int[] exampleIndex) {}

  /** The micro-batches of {@code examples}, in order. */
  public List<MicroBatch> split(List<TrainingExample> examples) {
    for (TrainingExample e : examples) {
      if (e.length() > maxTokens) {
        throw new IllegalArgumentException(
            "line "
                + e.line()
                + ": example of "
                + e.length()
                + " tokens exceeds the micro-batch of "
                + maxTokens
                + " tokens; raise the micro-batch size to at least the context length");
      }
    }
    return packed ? packed(examples) : padded(examples);
  }

  private List<MicroBatch> packed(List<TrainingExample> examples) {
    List<MicroBatch> out = new ArrayList<>();
    List<List<Integer>> rows = new ArrayList<>();
    int rowLen = 0;
    int longestRow = 0;
    for (int i = 0; i < examples.size(); i++) {
      int len = examples.get(i).length();
      boolean fitsRow =
          !rows.isEmpty() && rows.size() * Math.max(longestRow, rowLen + len) <= maxTokens;
      if (!fitsRow) {
        int newLongest = Math.max(longestRow, len);
        if (!rows.isEmpty() && (rows.size() + 1) * newLongest > maxTokens) {
          out.add(build(examples, rows, longestRow));
          rows = new ArrayList<>();
          longestRow = 0;
        }
        rows.add(new ArrayList<>());
        rowLen = 0;
      }
      rows.getLast().add(i);
      rowLen += len;
      longestRow = Math.max(longestRow, rowLen);
    }
    if (!rows.isEmpty()) {
      out.add(build(examples, rows, longestRow));
    }
    return out;
  }

  private List<MicroBatch> padded(List<TrainingExample> examples) {
    List<MicroBatch> out = new ArrayList<>();
    List<List<Integer>> rows = new ArrayList<>();
    int longest = 0;
    for (int i = 0; i < examples.size(); i++) {
      int len = examples.get(i).length();
      int newLongest = Math.max(longest, len);
      if (!rows.isEmpty() && (rows.size() + 1) * newLongest > maxTokens) {
        out.add(build(examples, rows, longest));
        rows = new ArrayList<>();
        newLongest = len;
      }
      rows.add(new ArrayList<>(List.of(i)));
      longest = newLongest;
    }
    if (!rows.isEmpty()) {
      out.add(build(examples, rows, longest));
    }
    return out;
  }

  private static MicroBatch build(
      List<TrainingExample> examples, List<List<Integer>> rows, int seqLen) {
    int b = rows.size();
    int[] tokens = new int[b * seqLen];
    int[] targets = new int[b * seqLen];
    int[] positions = new int[b * seqLen];
    int[] segments = new int[b * seqLen];
    Arrays.fill(targets, -1);
    Arrays.fill(segments, -1);
    // loss weights only when an example has some (the unweighted path stays as it was)
    float[] weights = null;
    for (List<Integer> row : rows) {
      for (int i : row) {
        if (examples.get(i).weights() != null) {
          weights = new float[b * seqLen];
        }
      }
    }
    int segment = 0;
    List<Integer> index = new ArrayList<>();
    for (int r = 0; r < b; r++) {
      int at = r * seqLen;
      for (int i : rows.get(r)) {
        TrainingExample e = examples.get(i);
        System.arraycopy(e.tokens(), 0, tokens, at, e.length());
        System.arraycopy(e.targets(), 0, targets, at, e.length());
        if (weights != null) {
          for (int t = 0; t < e.length(); t++) {
            weights[at + t] = e.weights() == null ? (e.targets()[t] < 0 ? 0f : 1f) : e.weights()[t];
          }
        }
        for (int t = 0; t < e.length(); t++) {
          positions[at + t] = t;
          segments[at + t] = segment;
        }
        at += e.length();
        segment++;
        index.add(i);
      }
    }
    return new MicroBatch(
        new TokenBatch(b, seqLen, tokens, targets, positions, segments, segment, weights),
        index.stream().mapToInt(Integer::intValue).toArray());
  }
}
