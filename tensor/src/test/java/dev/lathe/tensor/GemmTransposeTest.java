package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The in-register transposes of {@link GemmTranspose} against their definition, element by element
 * (the scalar twin is the index formula itself), with odd row strides, offsets and panel widths.
 */
class GemmTransposeTest {
  private static float[] random(int size, long seed) {
    Random r = new Random(seed);
    float[] x = new float[size];
    for (int i = 0; i < size; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  @Test
  void sixteenRowsLandInPanelColumnsAsTheDefinitionSays() {
    assumeTrue(GemmTranspose.AVAILABLE, "16-lane float vectors only");
    for (int rs : new int[] {16, 37, 577, 2048}) {
      for (int nr : new int[] {16, 48, 53}) {
        int kv = 3 * GemmTranspose.W;
        int from = 5;
        int at = 3;
        float[] src = random(from + 16 * rs + kv, rs + nr);
        float[] dst = new float[at + kv * nr + 16];
        float[] want = dst.clone();
        for (int q = 0; q < 16; q++) {
          for (int p = 0; p < kv; p++) {
            want[at + p * nr + q] = src[from + q * rs + p];
          }
        }
        GemmTranspose.pack16Rows(src, from, rs, kv, nr, dst, at);
        assertThat(dst).as("rs=%d nr=%d", rs, nr).isEqualTo(want);
      }
    }
  }

  @Test
  void eightRowsBecomeOneAPanelAsTheDefinitionSays() {
    assumeTrue(GemmTranspose.AVAILABLE, "16-lane float vectors only");
    for (int rs : new int[] {16, 41, 1536}) {
      int kv = 5 * GemmTranspose.W;
      int from = 7;
      int at = 9;
      float[] src = random(from + 8 * rs + kv, rs);
      float[] dst = new float[at + kv * 8 + 4];
      float[] want = dst.clone();
      for (int r = 0; r < 8; r++) {
        for (int p = 0; p < kv; p++) {
          want[at + p * 8 + r] = src[from + r * rs + p];
        }
      }
      GemmTranspose.pack8Rows(src, from, rs, kv, dst, at);
      assertThat(dst).as("rs=%d", rs).isEqualTo(want);
    }
  }
}
