package dev.lathe.transformer.train;

import dev.lathe.tensor.ComputePool;
import dev.lathe.tensor.Gemm;
import java.util.random.RandomGenerator;

/**
 * A linear layer in training: {@code y = x · Wᵀ + b}, plus an optional LoRA adapter. The weight and
 * bias gradients are null when they are frozen (LoRA), in which case {@code W} and {@code b} are
 * only read.
 */
final class Projection {
  final float[] weight; // (out, in)
  final float[] bias; // (out) or null
  final float[] weightGrad; // (out, in) or null when frozen
  final float[] biasGrad; // (out) or null when frozen or no bias
  final LoraAdapter adapter; // or null
  final int in;
  final int out;
  private final ComputePool pool;

  Projection(
      ComputePool pool,
      float[] weight,
      float[] bias,
      float[] weightGrad,
      float[] biasGrad,
      LoraAdapter adapter,
      int in,
      int out) {
    this.pool = pool;
    this.weight = weight;
    this.bias = bias;
    this.weightGrad = weightGrad;
    this.biasGrad = biasGrad;
    this.adapter = adapter;
    this.in = in;
    this.out = out;
  }

  /**
   *
   *
   * <pre>
   * // y: (N, out)   x: (N, in)
   * </pre>
   *
   * @param adapters whether the adapter (if any) takes part
   * @param random dropout randomness of the adapter; null for none (evaluation)
   */
  void forward(float[] y, float[] x, int n, boolean adapters, RandomGenerator random) {
    base(y, x, n);
    if (adapters && adapter != null) {
      adapter.forward(y, x, n, random);
    }
  }

  /**
   * Computes {@code y} again as the last {@link #forward} did (the adapter's dropout mask
   * included), e.g. to recompute an activation in backward instead of keeping it.
   *
   * <pre>
   * // y: (N, out)   x: (N, in) as given to that forward
   * </pre>
   */
  void replay(float[] y, float[] x, int n, boolean adapters) {
    base(y, x, n);
    if (adapters && adapter != null) {
      adapter.replay(y, x, n);
    }
  }

  private void base(float[] y, float[] x, int n) {
    Gemm.mulNT(pool, x, 0, weight, 0, y, 0, n, out, in, false);
    if (bias != null) {
      for (int i = 0; i < n; i++) {
        int o = i * out;
        for (int j = 0; j < out; j++) {
          y[o + j] += bias[j];
        }
      }
    }
  }

  /**
   * Accumulates the parameter gradients and {@code dx += dy · W} (skipped when {@code dx} is null).
   *
   * <pre>
   * // dx: (N, in) accumulated or null   dy: (N, out)   x: (N, in) as given to forward
   * </pre>
   */
  void backward(float[] dx, float[] dy, float[] x, int n, boolean adapters) {
    if (weightGrad != null) {
      // dW: (out, in) += dyᵀ · x
      Gemm.mulTN(pool, dy, 0, x, 0, weightGrad, 0, out, in, n, true);
    }
    if (biasGrad != null) {
      for (int i = 0; i < n; i++) {
        int o = i * out;
        for (int j = 0; j < out; j++) {
          biasGrad[j] += dy[o + j];
        }
      }
    }
    if (adapters && adapter != null) {
      adapter.backward(dx, dy, x, n);
    }
    if (dx != null) {
      // dx: (N, in) += dy · W
      Gemm.mulNN(pool, dy, 0, weight, 0, dx, 0, n, in, out, true);
    }
  }
}
