package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/** VectorExp: vector lanes equal the scalar twin bit for bit and stay within a few ulps. */
class VectorExpTest {
  private static final jdk.incubator.vector.VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  @Test
  void vectorLanesEqualTheScalarTwinAndAreAccurate() {
    SplittableRandom r = new SplittableRandom(7);
    for (int n : RandomArrays.ODD_SIZES) {
      float[] x = new float[n];
      for (int i = 0; i < n; i++) {
        x[i] = (float) (r.nextDouble() * 110 - 90); // [-90, 20): the softmax range and beyond
      }
      x[0] = 0f;
      float[] y = new float[n];
      int bound = S.loopBound(n);
      for (int i = 0; i < bound; i += S.length()) {
        VectorExp.exp(FloatVector.fromArray(S, x, i)).intoArray(y, i);
      }
      for (int i = bound; i < n; i++) {
        y[i] = VectorExp.exp(x[i]);
      }
      for (int i = 0; i < n; i++) {
        assertThat(Float.floatToRawIntBits(y[i]))
            .as("lane %d of n=%d, x=%s", i, n, x[i])
            .isEqualTo(Float.floatToRawIntBits(VectorExp.exp(x[i])));
        double want = Math.exp(Math.max(x[i], -87f));
        assertThat(Math.abs(y[i] - want))
            .as("exp(%s)", x[i])
            .isLessThanOrEqualTo(4 * Math.ulp((float) want));
      }
      assertThat(y[0]).isEqualTo(1f);
    }
  }

  @Test
  void clampsAndPropagatesNaN() {
    assertThat(VectorExp.exp(-1000f)).isEqualTo(VectorExp.exp(-87f)).isPositive();
    assertThat(VectorExp.exp(1000f)).isEqualTo(VectorExp.exp(88f)).isFinite();
    assertThat(VectorExp.exp(Float.NaN)).isNaN();
    float[] lanes = new float[S.length()];
    lanes[0] = Float.NaN;
    lanes[1 % S.length()] = -1000f;
    float[] out = new float[S.length()];
    VectorExp.exp(FloatVector.fromArray(S, lanes, 0)).intoArray(out, 0);
    assertThat(out[0]).isNaN();
  }

  @Test
  void expShiftedSumWritesExpsAndSumsThemAsLaneSumDoes() {
    SplittableRandom r = new SplittableRandom(11);
    for (int n : RandomArrays.ODD_SIZES) {
      float[] x = new float[n + 3];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (r.nextDouble() * 40 - 30);
      }
      int bound = KernelPath.F.loopBound(n);
      float shift = 2.5f;
      float[] expected = x.clone();
      FloatVector acc = FloatVector.zero(KernelPath.F);
      for (int i = 0; i < bound; i += KernelPath.F.length()) {
        FloatVector e = VectorExp.exp(FloatVector.fromArray(KernelPath.F, x, 3 + i).sub(shift));
        e.intoArray(expected, 3 + i);
        acc = acc.add(e);
      }
      float expectedSum = LaneSum.of(acc);
      float sum = VectorExp.expShiftedSum(x, 3, bound, shift);
      assertThat(x).as("n=%d", n).containsExactly(expected);
      assertThat(Float.floatToRawIntBits(sum)).isEqualTo(Float.floatToRawIntBits(expectedSum));
    }
  }
}
