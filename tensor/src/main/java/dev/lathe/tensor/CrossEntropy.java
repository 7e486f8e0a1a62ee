package dev.lathe.tensor;

import static dev.lathe.tensor.KernelPath.F;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * Cross-entropy of next-token logits against target ids: per position {@code −log softmax(logits)
 * [target]}, and its gradient {@code scale · (softmax(logits) − onehot(target))}.
 *
 * <p>A target of {@code -1} marks a position without loss (prompt, padding): its loss is 0, it is
 * never counted correct and it gets no gradient. Rows are made stable by subtracting their maximum
 * before exponentiating, so the sum of exponentials lies in {@code [1, V]}. Summation precision:
 * the scalar path adds the exponentials in double; the vector path adds them in float lanes with
 * Kahan compensation and combines the lanes in double, so summation adds no error that grows with
 * the vocabulary; what remains is the vector exponential's few ulps ({@link VectorExp}, which gives
 * the same bits interpreted and compiled) (on flat 50257-wide rows the vector loss is within 4e-7
 * of the double reference, the scalar one within 1e-10). The loss itself ({@code max + log(sum) −
 * logit[target]}) is formed in double. A NaN logit makes that row's loss NaN.
 *
 * <p>Backward recomputes each trained row's maximum and sum instead of saving them: one extra pass
 * over a row of V logits is small next to the (V × C) projection that produced it. {@link
 * #forwardBackwardInPlace} avoids even that when the losses and the gradient are wanted together.
 */
public final class CrossEntropy {
  private CrossEntropy() {}

  /**
   * Losses and argmax flags of {@code n} rows.
   *
   * <pre>
   * // nll: (N) out, 0 where masked   correct: (N) out, or null   logits: (N, V)
   * // targets: (N) at tOff, each in [0, V) or -1 (no loss)
   * </pre>
   */
  public static void forward(
      double[] nll, boolean[] correct, float[] logits, int[] targets, int tOff, int n, int v) {
    losses(nll, correct, logits, targets, tOff, 0, n, v, KernelPath.vector());
  }

  /**
   * Adds {@code scale · (softmax − onehot(target))} of every trained row to {@code dLogits}.
   *
   * <pre>
   * // dLogits: (N, V) accumulated, must not alias logits   logits: (N, V)
   * // targets, scale: (N) at tOff; scale is d(objective)/d(loss) of each position
   * </pre>
   */
  public static void backward(
      float[] dLogits, float[] logits, int[] targets, int tOff, float[] scale, int n, int v) {
    gradient(null, null, dLogits, logits, targets, tOff, scale, 0, n, v, true, KernelPath.vector());
  }

  /**
   * Overwrites {@code logits} with {@code scale · (softmax − onehot(target))} row by row; rows
   * without loss become zero. Call {@link #forward} first if the losses are wanted.
   *
   * <pre>
   * // logits: (N, V), logits on entry, their gradient on return   targets, scale: (N) at tOff
   * </pre>
   */
  public static void backwardInPlace(
      float[] logits, int[] targets, int tOff, float[] scale, int n, int v) {
    gradient(null, null, logits, logits, targets, tOff, scale, 0, n, v, false, KernelPath.vector());
  }

  /**
   * {@link #forward} and {@link #backwardInPlace} in one pass over each row: the losses and argmax
   * flags are taken, then the row is overwritten with its gradient (rows without loss become zero).
   *
   * <pre>
   * // nll: (N) out   correct: (N) out, or null   logits: (N, V), gradient on return
   * // targets, scale: (N) at tOff
   * </pre>
   */
  public static void forwardBackwardInPlace(
      double[] nll,
      boolean[] correct,
      float[] logits,
      int[] targets,
      int tOff,
      float[] scale,
      int n,
      int v) {
    gradient(
        nll, correct, logits, logits, targets, tOff, scale, 0, n, v, false, KernelPath.vector());
  }

  /**
   * {@link #forwardBackwardInPlace} with the rows shared out over {@code pool}. Each row is one
   * task's whole work, so the results are the same bits for any thread count.
   */
  public static void forwardBackwardInPlace(
      ComputePool pool,
      double[] nll,
      boolean[] correct,
      float[] logits,
      int[] targets,
      int tOff,
      float[] scale,
      int n,
      int v) {
    boolean vector = KernelPath.vector();
    pool.parallelFor(
        (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK,
        (t, w) -> {
          int first = t * ROWS_PER_TASK;
          int end = Math.min(n, first + ROWS_PER_TASK);
          gradient(
              nll, correct, logits, logits, targets, tOff, scale, first, end, v, false, vector);
        });
  }

  /**
   * {@link #forward} with the rows shared out over {@code pool}; same bits for any thread count.
   */
  public static void forward(
      ComputePool pool,
      double[] nll,
      boolean[] correct,
      float[] logits,
      int[] targets,
      int tOff,
      int n,
      int v) {
    boolean vector = KernelPath.vector();
    pool.parallelFor(
        (n + ROWS_PER_TASK - 1) / ROWS_PER_TASK,
        (t, w) -> {
          int first = t * ROWS_PER_TASK;
          losses(
              nll,
              correct,
              logits,
              targets,
              tOff,
              first,
              Math.min(n, first + ROWS_PER_TASK),
              v,
              vector);
        });
  }

  /** Rows per task of the pooled variants: each row is tens of thousands of exponentials. */
  private static final int ROWS_PER_TASK = 4;

  /** Scalar reference of {@link #forwardBackwardInPlace}. */
  public static void forwardBackwardInPlaceScalar(
      double[] nll,
      boolean[] correct,
      float[] logits,
      int[] targets,
      int tOff,
      float[] scale,
      int n,
      int v) {
    gradient(nll, correct, logits, logits, targets, tOff, scale, 0, n, v, false, false);
  }

  /** Vector API path of {@link #forwardBackwardInPlace}. */
  public static void forwardBackwardInPlaceVector(
      double[] nll,
      boolean[] correct,
      float[] logits,
      int[] targets,
      int tOff,
      float[] scale,
      int n,
      int v) {
    gradient(nll, correct, logits, logits, targets, tOff, scale, 0, n, v, false, true);
  }

  /** Scalar reference of {@link #forward}. */
  public static void forwardScalar(
      double[] nll, boolean[] correct, float[] logits, int[] targets, int tOff, int n, int v) {
    losses(nll, correct, logits, targets, tOff, 0, n, v, false);
  }

  /** Vector API path of {@link #forward}; differs from the scalar reference by float roundings. */
  public static void forwardVector(
      double[] nll, boolean[] correct, float[] logits, int[] targets, int tOff, int n, int v) {
    losses(nll, correct, logits, targets, tOff, 0, n, v, true);
  }

  /** Scalar reference of {@link #backward}. */
  public static void backwardScalar(
      float[] dLogits, float[] logits, int[] targets, int tOff, float[] scale, int n, int v) {
    gradient(null, null, dLogits, logits, targets, tOff, scale, 0, n, v, true, false);
  }

  /** Vector API path of {@link #backward}; the vector exponential differs by a few ulps. */
  public static void backwardVector(
      float[] dLogits, float[] logits, int[] targets, int tOff, float[] scale, int n, int v) {
    gradient(null, null, dLogits, logits, targets, tOff, scale, 0, n, v, true, true);
  }

  /** Scalar reference of {@link #backwardInPlace}. */
  public static void backwardInPlaceScalar(
      float[] logits, int[] targets, int tOff, float[] scale, int n, int v) {
    gradient(null, null, logits, logits, targets, tOff, scale, 0, n, v, false, false);
  }

  /** Vector API path of {@link #backwardInPlace}. */
  public static void backwardInPlaceVector(
      float[] logits, int[] targets, int tOff, float[] scale, int n, int v) {
    gradient(null, null, logits, logits, targets, tOff, scale, 0, n, v, false, true);
  }

  private static void losses(
      double[] nll,
      boolean[] correct,
      float[] logits,
      int[] targets,
      int tOff,
      int first,
      int end,
      int v,
      boolean vector) {
    for (int i = first; i < end; i++) {
      int target = checkedTarget(targets, tOff + i, v);
      if (target < 0) {
        nll[i] = 0;
        if (correct != null) {
          correct[i] = false;
        }
        continue;
      }
      int row = i * v;
      float max = vector ? ArgMax.maxVector(logits, row, v) : ArgMax.maxScalar(logits, row, v);
      double sum = vector ? sumExpVector(logits, row, v, max) : sumExpScalar(logits, row, v, max);
      nll[i] = max + Math.log(sum) - logits[row + target];
      if (correct != null) {
        int argmax =
            vector
                ? ArgMax.firstIndexOfVector(logits, row, v, max)
                : ArgMax.firstIndexOfScalar(logits, row, v, max);
        correct[i] = argmax == target;
      }
    }
  }

  /**
   * The gradient rows; when {@code nll} is not null also the losses (and {@code correct}, when not
   * null), read before an in-place gradient overwrites the logits.
   */
  private static void gradient(
      double[] nll,
      boolean[] correct,
      float[] d,
      float[] logits,
      int[] targets,
      int tOff,
      float[] scale,
      int first,
      int end,
      int v,
      boolean accumulate,
      boolean vector) {
    for (int i = first; i < end; i++) {
      int target = checkedTarget(targets, tOff + i, v);
      int row = i * v;
      if (target < 0) {
        if (!accumulate) {
          Arrays.fill(d, row, row + v, 0f);
        }
        if (nll != null) {
          nll[i] = 0;
        }
        if (correct != null) {
          correct[i] = false;
        }
        continue;
      }
      float k = scale[tOff + i];
      float max = vector ? ArgMax.maxVector(logits, row, v) : ArgMax.maxScalar(logits, row, v);
      float targetLogit = logits[row + target];
      if (correct != null) {
        int argmax =
            vector
                ? ArgMax.firstIndexOfVector(logits, row, v, max)
                : ArgMax.firstIndexOfScalar(logits, row, v, max);
        correct[i] = argmax == target;
      }
      // vector in place: the sum leaves exp(x − max) in the row, which then only needs scaling
      boolean keep = vector && !accumulate;
      double sum =
          vector ? sumExpVector(logits, row, v, max, keep) : sumExpScalar(logits, row, v, max);
      if (nll != null) {
        nll[i] = max + Math.log(sum) - targetLogit;
      }
      if (keep) {
        scaleRowVector(d, row, v, (float) (k / sum));
      } else if (vector) {
        gradientRowVector(d, logits, row, v, max, (float) (k / sum));
      } else {
        double ks = k / sum;
        for (int j = 0; j < v; j++) {
          float g = (float) (ks * Math.exp((double) logits[row + j] - max));
          d[row + j] = accumulate ? d[row + j] + g : g;
        }
      }
      d[row + target] -= k;
    }
  }

  /** {@code d[row] += ks · exp(logits[row] − max)}. */
  private static void gradientRowVector(
      float[] d, float[] logits, int row, int v, float max, float ks) {
    int bound = F.loopBound(v);
    int j = 0;
    for (; j < bound; j += F.length()) {
      VectorExp.exp(FloatVector.fromArray(F, logits, row + j).sub(max))
          .mul(ks)
          .add(FloatVector.fromArray(F, d, row + j))
          .intoArray(d, row + j);
    }
    for (; j < v; j++) {
      d[row + j] += ks * (float) Math.exp((double) logits[row + j] - max);
    }
  }

  /** {@code d[row] *= ks}. */
  private static void scaleRowVector(float[] d, int row, int v, float ks) {
    int bound = F.loopBound(v);
    int j = 0;
    for (; j < bound; j += F.length()) {
      FloatVector.fromArray(F, d, row + j).mul(ks).intoArray(d, row + j);
    }
    for (; j < v; j++) {
      d[row + j] *= ks;
    }
  }

  private static double sumExpScalar(float[] x, int off, int n, float max) {
    double sum = 0;
    for (int j = 0; j < n; j++) {
      sum += Math.exp((double) x[off + j] - max);
    }
    return sum;
  }

  /**
   * Σ exp(x − max) with one Kahan-compensated float accumulator per lane, lanes added in double.
   */
  private static double sumExpVector(float[] x, int off, int n, float max) {
    return sumExpVector(x, off, n, max, false);
  }

  /**
   * Σ exp(x − max) with one Kahan-compensated float accumulator per lane, lanes added in double;
   * with {@code keep} the exponentials replace {@code x} (the in-place gradient scales them next).
   */
  private static double sumExpVector(float[] x, int off, int n, float max, boolean keep) {
    int bound = F.loopBound(n);
    FloatVector acc = FloatVector.zero(F);
    FloatVector comp = FloatVector.zero(F);
    int j = 0;
    for (; j < bound; j += F.length()) {
      FloatVector e = VectorExp.exp(FloatVector.fromArray(F, x, off + j).sub(max));
      if (keep) {
        e.intoArray(x, off + j);
      }
      FloatVector y = e.sub(comp);
      FloatVector t = acc.add(y);
      comp = t.sub(acc).sub(y);
      acc = t;
    }
    double sum = 0;
    for (int lane = 0; lane < F.length(); lane++) {
      sum += (double) acc.lane(lane) - comp.lane(lane);
    }
    for (; j < n; j++) {
      double e = Math.exp((double) x[off + j] - max);
      if (keep) {
        x[off + j] = (float) e;
      }
      sum += e;
    }
    return sum;
  }

  private static int checkedTarget(int[] targets, int at, int v) {
    int t = targets[at];
    if (t < -1 || t >= v) {
      throw new IllegalArgumentException(
          "cross-entropy target "
              + t
              + " at index "
              + at
              + " is outside the vocabulary [0, "
              + v
              + ") and is not -1 (no loss)");
    }
    return t;
  }
}
