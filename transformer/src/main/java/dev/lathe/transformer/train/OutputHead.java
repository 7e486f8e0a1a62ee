package dev.lathe.transformer.train;

import dev.lathe.tensor.ComputePool;
import dev.lathe.tensor.CrossEntropy;
import dev.lathe.tensor.Gemm;
import dev.lathe.tensor.WidenedGemm;

/**
 * The output head and the cross-entropy, fused and processed a few rows at a time so the (B, T, V)
 * logits never exist at once: logits = x · Wᵀ, per trained position log p(target) and argmax, and
 * (for training) the gradient {@code scale[segment] · w · (softmax − onehot(target))} pushed
 * straight back into {@code dx} and {@code dW}, w being the position's loss weight ({@link
 * TokenBatch#weights()}, 1 without weights).
 */
final class OutputHead {
  private OutputHead() {}

  /**
   * Most logits the output head holds at once (32 Mi floats, 128 MB): its rows are processed in
   * chunks of {@link #headRows} so that the (B·T, V) logits never exist whole. Large chunks matter
   * for speed: each chunk re-packs the (V, C) head matrix for its three products.
   */
  static final int HEAD_FLOATS = 1 << 25;

  /** Rows of the output head processed together: as many as {@link #HEAD_FLOATS} allow, >= 64. */
  static int headRows(int n, int vocab) {
    return Math.min(n, Math.max(64, HEAD_FLOATS / vocab));
  }

  /** The head matrix (V, C): f32, or frozen bf16 widened as the products read it. */
  record Matrix(float[] f32, short[] bf16) {
    static Matrix of(float[] w) {
      return new Matrix(w, null);
    }

    static Matrix of(short[] w) {
      return new Matrix(null, w);
    }

    /** logits: (m, V) = x[xOff ..] · Wᵀ */
    void logits(ComputePool pool, float[] x, int xOff, float[] logits, int m, int vocab, int c) {
      if (f32 != null) {
        Gemm.mulNT(pool, x, xOff, f32, 0, logits, 0, m, vocab, c, false);
      } else {
        Gemm.mulNT(pool, x, xOff, bf16, 0, logits, 0, m, vocab, c, false);
      }
    }

    /** dx[dxOff ..]: (m, C) = dlogits · W */
    void inputGradient(
        ComputePool pool, float[] dlogits, float[] dx, int dxOff, int m, int vocab, int c) {
      if (f32 != null) {
        Gemm.mulNN(pool, dlogits, 0, f32, 0, dx, dxOff, m, c, vocab, false);
      } else {
        WidenedGemm.mulNN(pool, dlogits, 0, bf16, 0, dx, dxOff, m, c, vocab, false);
      }
    }
  }

  /**
   *
   *
   * <pre>
   * // x: (N, C) final-norm output   w: (V, C)   logits: scratch (rows, V)
   * // dx: (N, C) overwritten, or null for evaluation   dw: (V, C) accumulated or null (frozen)
   * </pre>
   */
  static BatchResult run(
      ComputePool pool,
      TokenBatch batch,
      float[] segmentScale,
      float[] x,
      Matrix w,
      float[] dx,
      float[] dw,
      float[] logits,
      int c,
      int vocab) {
    int n = batch.rows() * batch.seqLen();
    int chunk = logits.length / vocab;
    double[] logProb = new double[batch.segmentCount()];
    double[] weighted = batch.weights() == null ? logProb : new double[batch.segmentCount()];
    long[] tokens = new long[batch.segmentCount()];
    long[] correct = new long[batch.segmentCount()];
    int[] targets = batch.targets();
    double[] nll = new double[chunk];
    boolean[] hit = new boolean[chunk];
    float[] scale = dx == null ? null : new float[n];
    if (dx != null) {
      for (int i = 0; i < n; i++) {
        int seg = batch.segments()[i];
        scale[i] = targets[i] < 0 ? 0f : segmentScale[seg] * batch.weight(i);
      }
    }
    for (int r0 = 0; r0 < n; r0 += chunk) {
      int m = Math.min(chunk, n - r0);
      // logits: (m, V) = x[r0 .. r0+m) · Wᵀ
      w.logits(pool, x, r0 * c, logits, m, vocab, c);
      if (dx != null) {
        // per row -log p(target), argmax hit, then dlogits = scale · (softmax − onehot(target))
        CrossEntropy.forwardBackwardInPlace(pool, nll, hit, logits, targets, r0, scale, m, vocab);
      } else {
        CrossEntropy.forward(pool, nll, hit, logits, targets, r0, m, vocab);
      }
      for (int i = 0; i < m; i++) { // in row order: the sums do not depend on the thread count
        if (targets[r0 + i] < 0) {
          continue;
        }
        int seg = batch.segments()[r0 + i];
        logProb[seg] -= nll[i];
        if (weighted != logProb) {
          weighted[seg] -= batch.weight(r0 + i) * nll[i];
        }
        tokens[seg]++;
        if (hit[i]) {
          correct[seg]++;
        }
      }
      if (dx != null) {
        // dx rows: (m, C) = dlogits · W
        w.inputGradient(pool, logits, dx, r0 * c, m, vocab, c);
        if (dw != null) {
          // dW: (V, C) += dlogitsᵀ · x rows
          Gemm.mulTN(pool, logits, 0, x, r0 * c, dw, 0, vocab, c, m, true);
        }
      }
    }
    return new BatchResult(logProb, tokens, correct, weighted);
  }

  /** Checks a batch against a vocabulary and context length; a clear error names the position. */
  static void validate(TokenBatch batch, float[] segmentScale, int vocab, int context) {
    int n = batch.rows() * batch.seqLen();
    if (segmentScale != null && segmentScale.length != batch.segmentCount()) {
      throw new IllegalArgumentException(
          "segmentScale has "
              + segmentScale.length
              + " entries but the batch has "
              + batch.segmentCount()
              + " segments");
    }
    for (int i = 0; i < n; i++) {
      String where = " at row " + i / batch.seqLen() + ", position " + i % batch.seqLen();
      int tok = batch.tokens()[i];
      int target = batch.targets()[i];
      int pos = batch.positions()[i];
      int seg = batch.segments()[i];
      if (tok < 0 || tok >= vocab) {
        throw new IllegalArgumentException(
            "token " + tok + where + " is outside the vocabulary [0, " + vocab + ")");
      }
      if (target < -1 || target >= vocab) {
        throw new IllegalArgumentException(
            "target " + target + where + " must be -1 (no loss) or in [0, " + vocab + ")");
      }
      if (pos < 0 || pos >= context) {
        throw new IllegalArgumentException(
            "position " + pos + where + " is outside the model's context [0, " + context + ")");
      }
      if (seg < -1 || seg >= batch.segmentCount()) {
        throw new IllegalArgumentException(
            "segment "
                + seg
                + where
                + " must be -1 (padding) or in [0, "
                + batch.segmentCount()
                + ")");
      }
      if (target >= 0 && seg < 0) {
        throw new IllegalArgumentException(
            "padding" + where + " has a target; give it segment >= 0 or target -1");
      }
    }
    // each example must be one run of positions within one row
    int[] seenAt = new int[batch.segmentCount()];
    java.util.Arrays.fill(seenAt, -1);
    for (int i = 0; i < n; i++) {
      int seg = batch.segments()[i];
      boolean continues = i % batch.seqLen() > 0 && batch.segments()[i - 1] == seg;
      if (seg < 0 || continues) {
        continue;
      }
      if (seenAt[seg] >= 0) {
        throw new IllegalArgumentException(
            "segment "
                + seg
                + " appears at row "
                + seenAt[seg] / batch.seqLen()
                + ", position "
                + seenAt[seg] % batch.seqLen()
                + " and again at row "
                + i / batch.seqLen()
                + ", position "
                + i % batch.seqLen()
                + "; an example must occupy consecutive positions of one row");
      }
      seenAt[seg] = i;
    }
  }
}
