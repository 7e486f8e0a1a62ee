package dev.lathe.tensor;

import static dev.lathe.tensor.GradientAssert.assertClose;
import static dev.lathe.tensor.GradientAssert.toDouble;

import dev.lathe.tensor.reference.LayerNormRef;
import dev.lathe.tensor.reference.RmsNormRef;
import org.junit.jupiter.api.Test;

/** RMSNorm and LayerNorm backward, scalar and vector paths, against the double references. */
class NormBackwardTest {
  private static final int OFF = 3;
  private static final float EPS = 1e-5f;

  @Test
  void rmsNormBackwardAccumulatesTheReferenceGradient() {
    for (boolean vector : new boolean[] {false, true}) {
      for (int c : RandomArrays.ODD_SIZES) {
        int n = 3;
        float[] in = RandomArrays.uniform(c, OFF + n * c, 3f);
        float[] w = RandomArrays.uniform(c + 1, c, 1.5f);
        float[] dOut = RandomArrays.uniform(c + 2, OFF + n * c, 1f);
        float[] dIn = RandomArrays.uniform(c + 3, OFF + n * c, 1f); // prior contents: += is checked
        float[] dW = RandomArrays.uniform(c + 4, c, 1f);
        double[] wantDx = toDouble(dIn, OFF, n * c);
        double[] wantDw = toDouble(dW);
        float[] out = new float[n * c];
        float[] rstd = new float[n];
        RmsNorm.forwardScalar(out, 0, in, OFF, w, rstd, n, c, EPS);
        if (vector) {
          RmsNorm.backwardVector(dIn, OFF, dW, dOut, OFF, in, OFF, w, rstd, n, c);
        } else {
          RmsNorm.backwardScalar(dIn, OFF, dW, dOut, OFF, in, OFF, w, rstd, n, c);
        }
        RmsNormRef.backward(
            wantDx,
            wantDw,
            toDouble(dOut, OFF, n * c),
            toDouble(in, OFF, n * c),
            toDouble(w),
            n,
            c,
            EPS);
        String what = (vector ? "vector" : "scalar") + " C=" + c;
        assertClose(dIn, OFF, wantDx, "dIn " + what);
        assertClose(dW, wantDw, "dWeight " + what);
      }
    }
  }

  @Test
  void layerNormBackwardAccumulatesTheReferenceGradient() {
    for (boolean vector : new boolean[] {false, true}) {
      for (int c : RandomArrays.ODD_SIZES) {
        int n = 3;
        float[] in = RandomArrays.uniform(c, OFF + n * c, 3f);
        for (int i = OFF; i < in.length; i++) {
          in[i] += 0.5f; // a non-zero mean
        }
        float[] w = RandomArrays.uniform(c + 1, c, 1.5f);
        float[] b = RandomArrays.uniform(c + 5, c, 1f);
        float[] dOut = RandomArrays.uniform(c + 2, OFF + n * c, 1f);
        float[] dIn = RandomArrays.uniform(c + 3, OFF + n * c, 1f);
        float[] dW = RandomArrays.uniform(c + 4, c, 1f);
        float[] dB = RandomArrays.uniform(c + 6, c, 1f);
        double[] wantDx = toDouble(dIn, OFF, n * c);
        double[] wantDw = toDouble(dW);
        double[] wantDb = toDouble(dB);
        float[] out = new float[n * c];
        float[] mean = new float[n];
        float[] rstd = new float[n];
        LayerNorm.forwardScalar(out, 0, in, OFF, w, b, mean, rstd, n, c, EPS);
        if (vector) {
          LayerNorm.backwardVector(dIn, OFF, dW, dB, dOut, OFF, in, OFF, w, mean, rstd, n, c);
        } else {
          LayerNorm.backwardScalar(dIn, OFF, dW, dB, dOut, OFF, in, OFF, w, mean, rstd, n, c);
        }
        LayerNormRef.backward(
            wantDx,
            wantDw,
            wantDb,
            toDouble(dOut, OFF, n * c),
            toDouble(in, OFF, n * c),
            toDouble(w),
            n,
            c,
            EPS);
        String what = (vector ? "vector" : "scalar") + " C=" + c;
        assertClose(dIn, OFF, wantDx, "dIn " + what);
        assertClose(dW, wantDw, "dWeight " + what);
        assertClose(dB, wantDb, "dBias " + what);
      }
    }
  }

  @Test
  void frozenWeightsTakeNullGradients() {
    int c = 33;
    float[] in = RandomArrays.uniform(1, c, 2f);
    float[] w = RandomArrays.uniform(2, c, 1f);
    float[] dOut = RandomArrays.uniform(3, c, 1f);
    float[] rstd = new float[1];
    float[] mean = new float[1];
    RmsNorm.forward(new float[c], 0, in, 0, w, rstd, 1, c, EPS);
    float[] a = new float[c];
    float[] b = new float[c];
    RmsNorm.backwardScalar(a, 0, null, dOut, 0, in, 0, w, rstd, 1, c);
    RmsNorm.backwardVector(b, 0, null, dOut, 0, in, 0, w, rstd, 1, c);
    double[] want = new double[c];
    RmsNormRef.backward(want, null, toDouble(dOut), toDouble(in), toDouble(w), 1, c, EPS);
    assertClose(a, want, "RMSNorm scalar, no dWeight");
    assertClose(b, want, "RMSNorm vector, no dWeight");
    LayerNorm.forward(new float[c], 0, in, 0, w, w, mean, rstd, 1, c, EPS);
    a = new float[c];
    b = new float[c];
    LayerNorm.backwardScalar(a, 0, null, null, dOut, 0, in, 0, w, mean, rstd, 1, c);
    LayerNorm.backwardVector(b, 0, null, null, dOut, 0, in, 0, w, mean, rstd, 1, c);
    want = new double[c];
    LayerNormRef.backward(want, null, null, toDouble(dOut), toDouble(in), toDouble(w), 1, c, EPS);
    assertClose(a, want, "LayerNorm scalar, no dWeight/dBias");
    assertClose(b, want, "LayerNorm vector, no dWeight/dBias");
  }
}
