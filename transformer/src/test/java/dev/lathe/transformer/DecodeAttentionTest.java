package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The decode attention kernel, one query head at a time, against a scalar twin in double precision,
 * on odd head widths (shorter than a vector, with a tail, several vectors), grouped heads and cache
 * lengths (under sixteen positions, and sixteen-position blocks with and without a remainder).
 */
class DecodeAttentionTest {

  @Test
  void vectorKernelAgreesWithItsScalarTwinOnOddSizes() {
    // heads, kvHeads, headDim, len, capacity: five at a time
    int[] shapes = {
      1, 1, 1, 1, 1, 3, 1, 3, 5, 7, 2, 2, 17, 9, 9, 9, 3, 64, 37, 40, 4, 2, 80, 13, 20, 6, 3, 33,
      70, 71, 5, 5, 128, 3, 8, 9, 3, 64, 16, 16, 9, 3, 64, 250, 256, 2, 1, 80, 33, 40, 3, 3, 17, 48,
      48
    };
    SplittableRandom r = new SplittableRandom(11);
    for (int i = 0; i < shapes.length; i += 5) {
      int heads = shapes[i], kvHeads = shapes[i + 1], hd = shapes[i + 2];
      int len = shapes[i + 3], cap = shapes[i + 4];
      float[] q = CausalAttentionTest.random(r, 3 + heads * hd);
      float[] keys = CausalAttentionTest.random(r, kvHeads * cap * hd);
      float[] values = CausalAttentionTest.random(r, kvHeads * cap * hd);
      float[] out = new float[2 + heads * hd];
      int group = heads / kvHeads;
      for (int h = 0; h < heads; h++) {
        int kv = (h / group) * cap * hd;
        DecodeAttention.head(
            out, 2 + h * hd, q, 3 + h * hd, keys, values, kv, hd, len, new float[1 + cap], 1);
      }
      for (int h = 0; h < heads; h++) {
        int kv = (h / group) * cap * hd;
        double[] want = CausalAttentionTest.reference(q, 3 + h * hd, keys, values, kv, hd, len);
        for (int d = 0; d < hd; d++) {
          assertThat(out[2 + h * hd + d])
              .as("heads=%d kv=%d hd=%d len=%d head %d dim %d", heads, kvHeads, hd, len, h, d)
              .isCloseTo((float) want[d], Offset.offset(2e-5f));
        }
      }
      assertThat(out[0]).isZero();
      assertThat(out[1]).isZero();
    }
  }
}
