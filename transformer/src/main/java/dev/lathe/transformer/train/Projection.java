package dev.lathe.transformer.train;

import dev.lathe.tensor.Bf16;
import dev.lathe.tensor.ComputePool;
import dev.lathe.tensor.Gemm;
import dev.lathe.tensor.WidenedGemm;
import java.util.random.RandomGenerator;

/**
 * A linear layer in training: {@code y = x · Wᵀ + b}, plus an optional LoRA adapter. The weight and
 * bias gradients are null when they are frozen (LoRA), in which case {@code W} and {@code b} are
 * only read, and {@code W} may be held in bf16 (the products widen it as they read it).
 */
final class Projection {
  final float[] weight; // (out, in), or null when held in bf16
  final short[] weightBf16; // (out, in) frozen, or null when held in f32
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
      short[] weightBf16,
      float[] bias,
      float[] weightGrad,
      float[] biasGrad,
      LoraAdapter adapter,
      int in,
      int out) {
    this.pool = pool;
    if ((weight == null) == (weightBf16 == null) || (weightBf16 != null && weightGrad != null)) {
      throw new IllegalArgumentException(
          "a projection holds its weight in f32 or, frozen, in bf16: exactly one of them");
    }
    this.weight = weight;
    this.weightBf16 = weightBf16;
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
    if (weight != null) {
      Gemm.mulNT(pool, x, 0, weight, 0, y, 0, n, out, in, false);
    } else {
      Gemm.mulNT(pool, x, 0, weightBf16, 0, y, 0, n, out, in, false);
    }
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
      if (weight != null) {
        Gemm.mulNN(pool, dy, 0, weight, 0, dx, 0, n, in, out, true);
      } else {
        WidenedGemm.mulNN(pool, dy, 0, weightBf16, 0, dx, 0, n, in, out, true);
      }
    }
  }

  /** A new f32 array: the weight (widened when held in bf16) with the adapter, if any, merged. */
  float[] mergedWeight() {
    float[] w = weight != null ? weight.clone() : Bf16.toFloat(weightBf16);
    if (adapter != null) {
      adapter.mergeInto(w);
    }
    return w;
  }
}
