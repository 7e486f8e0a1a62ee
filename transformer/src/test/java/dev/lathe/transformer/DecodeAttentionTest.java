package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.tensor.Bf16;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * The decode attention kernel, one query head at a time, against a scalar twin in double precision,
 * on odd head widths (shorter than a vector, with a tail, several vectors), grouped heads and cache
 * lengths (under sixteen positions, and sixteen-position blocks with and without a remainder); and
 * the query heads of a key/value head computed together, against one at a time, bit for bit.
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

  /**
   * Group size, headDim, len: groups of one to seven heads (threes, a pair and a single left over),
   * widths with and without whole four-vector blocks and with a scalar tail, lengths under, at and
   * past sixteen-position blocks.
   */
  private static final int[][] GROUPS = {
    {3, 64, 96},
    {3, 64, 5},
    {1, 64, 33},
    {2, 17, 40},
    {4, 80, 37},
    {5, 128, 16},
    {7, 3, 21},
    {6, 33, 70},
    {3, 1, 9},
    {3, 144, 100}
  };

  @Test
  void aGroupOfHeadsGetsTheBitsOfEachHeadAlone() {
    SplittableRandom r = new SplittableRandom(12);
    for (int[] s : GROUPS) {
      int group = s[0], hd = s[1], len = s[2];
      int cap = len + 5;
      int kv = cap * hd; // the second key/value head of two
      float[] q = CausalAttentionTest.random(r, 3 + group * hd);
      float[] keys = CausalAttentionTest.random(r, 2 * cap * hd);
      float[] values = CausalAttentionTest.random(r, 2 * cap * hd);
      float[] alone = new float[2 + group * hd];
      float[] together = new float[2 + group * hd];
      for (int h = 0; h < group; h++) {
        DecodeAttention.head(
            alone, 2 + h * hd, q, 3 + h * hd, keys, values, kv, hd, len, new float[cap], 0);
      }
      float[] scores = new float[1 + group * cap];
      DecodeAttention.group(together, 2, q, 3, keys, values, kv, hd, len, group, scores, 1, cap);
      assertThat(together).as("group=%d hd=%d len=%d", group, hd, len).isEqualTo(alone);
    }
  }

  @Test
  void overBf16KeysAndValuesAGroupGetsTheBitsOfTheirWidenedValues() {
    // the bf16 kernels widen each key and value as they read it: the same FMA chains over the same
    // values as the f32 kernels over the cache widened first
    SplittableRandom r = new SplittableRandom(13);
    for (int[] s : GROUPS) {
      int group = s[0], hd = s[1], len = s[2];
      int cap = len + 5;
      int kv = cap * hd; // the second key/value head of two
      float[] q = CausalAttentionTest.random(r, 3 + group * hd);
      short[] keys = Bf16.fromFloat(CausalAttentionTest.random(r, 2 * cap * hd));
      short[] values = Bf16.fromFloat(CausalAttentionTest.random(r, 2 * cap * hd));
      float[] widened = new float[2 + group * hd];
      float[] bf16 = new float[2 + group * hd];
      float[] scores = new float[1 + group * cap];
      DecodeAttention.group(
          widened,
          2,
          q,
          3,
          Bf16.toFloat(keys),
          Bf16.toFloat(values),
          kv,
          hd,
          len,
          group,
          scores,
          1,
          cap);
      DecodeAttention.group(bf16, 2, q, 3, keys, values, kv, hd, len, group, scores, 1, cap);
      assertThat(bf16).as("group=%d hd=%d len=%d", group, hd, len).isEqualTo(widened);
      float[] one = new float[2 + hd];
      float[] oneWidened = new float[2 + hd];
      DecodeAttention.head(one, 2, q, 3, keys, values, kv, hd, len, scores, 1);
      DecodeAttention.head(
          oneWidened, 2, q, 3, Bf16.toFloat(keys), Bf16.toFloat(values), kv, hd, len, scores, 1);
      assertThat(one).as("one head, hd=%d len=%d", hd, len).isEqualTo(oneWidened);
    }
  }
}
