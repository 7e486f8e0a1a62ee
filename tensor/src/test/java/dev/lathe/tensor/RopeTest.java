package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class RopeTest {

  @Test
  void vectorPathIsBitIdenticalToScalarOnOddHeadCounts() {
    // head dims 2, 14, 66, 258, 2000 (half = 1, 7, 33, 129, 1000) in both styles
    for (int half : RandomArrays.ODD_SIZES) {
      int d = 2 * half;
      Rope.Table t = Rope.Table.of(d, 40, 10000, RopeScaling.NONE);
      for (Rope.Style style : Rope.Style.values()) {
        float[] s = RandomArrays.uniform(half, 3 * d + 1, 2f);
        float[] v = s.clone();
        Rope.forwardScalar(style, s, 1, 3, t, 37);
        Rope.forwardVector(style, v, 1, 3, t, 37);
        assertThat(v).as("%s d=%d", style, d).containsExactly(s);
      }
    }
  }

  @Test
  void vectorPathStaysBitIdenticalOnceCompiled() {
    // enough calls for the JIT to compile the vector path (the interleaved one used to gather and
    // scatter, and gave other values from then on)
    Rope.Table t = Rope.Table.of(64, 512, 10000, RopeScaling.NONE);
    float[] x = RandomArrays.uniform(7, 128, 1f);
    for (int call = 0; call < 60_000; call++) {
      Rope.Style style = Rope.Style.values()[call % 2];
      float[] s = x.clone();
      float[] v = x.clone();
      Rope.forwardScalar(style, s, 0, 2, t, call % 512);
      Rope.forwardVector(style, v, 0, 2, t, call % 512);
      if (!java.util.Arrays.equals(s, v)) {
        throw new AssertionError(style + " differs from the scalar path at call " + call);
      }
    }
  }

  @Test
  void interleavedAndRotateHalfAreTheSameRotationOnPermutedDims() {
    int d = 8;
    Rope.Table t = Rope.Table.of(d, 10, 500, RopeScaling.NONE);
    float[] x = RandomArrays.uniform(9, d, 1f);
    float[] interleaved = x.clone();
    Rope.forwardScalar(Rope.Style.INTERLEAVED, interleaved, 0, 1, t, 5);
    float[] permuted = new float[d]; // (x0,x1,x2,...) -> (x0,x2,x4,x6, x1,x3,x5,x7)
    for (int i = 0; i < d / 2; i++) {
      permuted[i] = x[2 * i];
      permuted[i + d / 2] = x[2 * i + 1];
    }
    Rope.forwardScalar(Rope.Style.ROTATE_HALF, permuted, 0, 1, t, 5);
    for (int i = 0; i < d / 2; i++) {
      assertThat(permuted[i]).isEqualTo(interleaved[2 * i]);
      assertThat(permuted[i + d / 2]).isEqualTo(interleaved[2 * i + 1]);
    }
  }

  @Test
  void firstPairTurnsByPositionAndLlama3ScalingKeepsHighFrequencies() {
    Rope.Table t = Rope.Table.of(4, 3, 10000, RopeScaling.NONE);
    float[] x = {1f, 0f, 1f, 0f};
    Rope.forwardScalar(Rope.Style.INTERLEAVED, x, 0, 1, t, 2);
    assertThat(x[0]).isCloseTo((float) Math.cos(2), Offset.offset(1e-6f));
    assertThat(x[1]).isCloseTo((float) Math.sin(2), Offset.offset(1e-6f));
    RopeScaling llama3 = new RopeScaling("llama3", 8, 1, 4, 8192);
    assertThat(llama3.scale(1.0)).isEqualTo(1.0); // wavelength 2pi < 2048: kept
    assertThat(llama3.scale(1e-4)).isEqualTo(1e-4 / 8); // wavelength 62832 > 8192: scaled
    assertThatThrownBy(() -> Rope.forward(Rope.Style.INTERLEAVED, x, 0, 1, t, 3))
        .hasMessageContaining("position 3");
  }
}
