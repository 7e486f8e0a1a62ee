package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The element-wise and row-wise training passes shared over a pool (LayerNorm and RMSNorm forward
 * and backward, GELU and SwiGLU forward and backward, the residual add) give the same bits as on
 * the calling thread alone, on pools of 1, 2 and 3 threads, at sizes that leave partial ranges,
 * partial row blocks and a scalar column tail.
 */
class PooledPassesTest {
  private static final ComputePool[] POOLS = {
    new ComputePool(1), new ComputePool(2), new ComputePool(3)
  };

  @AfterAll
  static void close() {
    for (ComputePool p : POOLS) {
      p.close();
    }
  }

  @Test
  void layerNormForwardAndBackwardMatchOneThreadBitForBit() {
    for (int[] shape : new int[][] {{37, 77}, {50, 200}, {1, 16}, {17, 384}}) {
      int n = shape[0];
      int c = shape[1];
      float[] in = RandomArrays.uniform(1, n * c + 3, 2f);
      float[] w = RandomArrays.uniform(2, c, 1f);
      float[] b = RandomArrays.uniform(3, c, 1f);
      float[] dOut = RandomArrays.uniform(4, n * c + 5, 1f);
      float[] out = new float[n * c + 1];
      float[] mean = new float[n];
      float[] rstd = new float[n];
      LayerNorm.forward(out, 1, in, 3, w, b, mean, rstd, n, c, 1e-5f);
      float[] dIn = RandomArrays.uniform(5, n * c, 1f);
      float[] dW = RandomArrays.uniform(6, c, 1f);
      float[] dB = RandomArrays.uniform(7, c, 1f);
      float[] dIn0 = dIn.clone();
      float[] dW0 = dW.clone();
      float[] dB0 = dB.clone();
      LayerNorm.backward(dIn, 0, dW, dB, dOut, 5, in, 3, w, mean, rstd, n, c);
      for (ComputePool pool : POOLS) {
        float[] o = new float[n * c + 1];
        float[] m = new float[n];
        float[] r = new float[n];
        LayerNorm.forward(pool, o, 1, in, 3, w, b, m, r, n, c, 1e-5f);
        assertThat(o).isEqualTo(out);
        assertThat(m).isEqualTo(mean);
        assertThat(r).isEqualTo(rstd);
        float[] di = dIn0.clone();
        float[] dw = dW0.clone();
        float[] db = dB0.clone();
        LayerNorm.backward(pool, di, 0, dw, db, dOut, 5, in, 3, w, mean, rstd, n, c);
        assertThat(di).isEqualTo(dIn);
        assertThat(dw).isEqualTo(dW);
        assertThat(db).isEqualTo(dB);
        // a frozen norm: no parameter gradients
        float[] frozen = dIn0.clone();
        LayerNorm.backward(pool, frozen, 0, null, null, dOut, 5, in, 3, w, mean, rstd, n, c);
        assertThat(frozen).isEqualTo(dIn);
      }
    }
  }

  @Test
  void geluAndResidualMatchOneThreadBitForBit() {
    for (int n : new int[] {1, 13, Gelu.GRAIN + 7, 3 * Gelu.GRAIN + 5}) {
      float[] in = RandomArrays.uniform(8, n, 4f);
      float[] dOut = RandomArrays.uniform(9, n, 1f);
      float[] dIn0 = RandomArrays.uniform(10, n, 1f);
      float[] out = new float[n];
      Gelu.forward(out, in, n);
      float[] dIn = dIn0.clone();
      Gelu.backward(dIn, dOut, in, n);
      float[] sum = new float[n + 2];
      Residual.forward(sum, 2, in, 0, dOut, 0, n);
      for (ComputePool pool : POOLS) {
        float[] o = new float[n];
        Gelu.forward(pool, o, in, n);
        assertThat(o).isEqualTo(out);
        float[] d = dIn0.clone();
        Gelu.backward(pool, d, dOut, in, n);
        assertThat(d).isEqualTo(dIn);
        float[] s = new float[n + 2];
        Residual.forward(pool, s, 2, in, 0, dOut, 0, n);
        assertThat(s).isEqualTo(sum);
      }
    }
  }

  @Test
  void rmsNormForwardAndBackwardMatchOneThreadBitForBit() {
    for (int[] shape : new int[][] {{37, 77}, {50, 200}, {1, 16}, {17, 576}}) {
      int n = shape[0];
      int c = shape[1];
      float[] in = RandomArrays.uniform(11, n * c + 3, 2f);
      float[] w = RandomArrays.uniform(12, c, 1f);
      float[] dOut = RandomArrays.uniform(13, n * c + 5, 1f);
      float[] out = new float[n * c + 1];
      float[] rstd = new float[n];
      RmsNorm.forward(out, 1, in, 3, w, rstd, n, c, 1e-5f);
      float[] dIn0 = RandomArrays.uniform(14, n * c, 1f);
      float[] dW0 = RandomArrays.uniform(15, c, 1f);
      float[] dIn = dIn0.clone();
      float[] dW = dW0.clone();
      RmsNorm.backward(dIn, 0, dW, dOut, 5, in, 3, w, rstd, n, c);
      for (ComputePool pool : POOLS) {
        float[] o = new float[n * c + 1];
        float[] r = new float[n];
        RmsNorm.forward(pool, o, 1, in, 3, w, r, n, c, 1e-5f);
        assertThat(o).isEqualTo(out);
        assertThat(r).isEqualTo(rstd);
        float[] di = dIn0.clone();
        float[] dw = dW0.clone();
        RmsNorm.backward(pool, di, 0, dw, dOut, 5, in, 3, w, rstd, n, c);
        assertThat(di).isEqualTo(dIn);
        assertThat(dw).isEqualTo(dW);
      }
    }
  }

  @Test
  void swiGluMatchesOneThreadBitForBit() {
    for (int n : new int[] {1, 13, SwiGlu.GRAIN + 7, 2 * SwiGlu.GRAIN + 5}) {
      float[] gate = RandomArrays.uniform(16, n, 4f);
      float[] up = RandomArrays.uniform(17, n, 1f);
      float[] dOut = RandomArrays.uniform(18, n, 1f);
      float[] out = new float[n];
      SwiGlu.forward(out, gate, up, n);
      float[] dGate = RandomArrays.uniform(19, n, 1f);
      float[] dUp = RandomArrays.uniform(20, n, 1f);
      float[] dGate0 = dGate.clone();
      float[] dUp0 = dUp.clone();
      SwiGlu.backward(dGate, dUp, dOut, gate, up, n);
      for (ComputePool pool : POOLS) {
        float[] o = new float[n];
        SwiGlu.forward(pool, o, gate, up, n);
        assertThat(o).isEqualTo(out);
        float[] dg = dGate0.clone();
        float[] du = dUp0.clone();
        SwiGlu.backward(pool, dg, du, dOut, gate, up, n);
        assertThat(dg).isEqualTo(dGate);
        assertThat(du).isEqualTo(dUp);
      }
    }
  }

  @Test
  void rangesDoNotDependOnTheThreadCount() {
    for (ComputePool pool : POOLS) {
      int[] owner = new int[1000];
      pool.parallelRanges(
          1000,
          64,
          (from, to) -> {
            for (int i = from; i < to; i++) {
              owner[i] = from;
            }
          });
      for (int i = 0; i < 1000; i++) {
        assertThat(owner[i]).isEqualTo(i / 64 * 64);
      }
    }
  }
}
