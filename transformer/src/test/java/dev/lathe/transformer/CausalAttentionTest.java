package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.tensor.Bf16;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * Causal attention over the cache against a double-precision scalar reference, for head sizes
 * shorter than a vector (scored and summed across positions, strided loads) and longer ones (across
 * the head), odd cache lengths, grouped queries, one and several new positions.
 */
class CausalAttentionTest {

  @Test
  void vectorKernelsAgreeWithTheScalarReferenceOnOddSizes() {
    SplittableRandom r = new SplittableRandom(7);
    // {heads, kvHeads, headDim, t, pos0}
    int[][] shapes = {
      {8, 4, 8, 1, 0},
      {8, 4, 8, 1, 199},
      {6, 2, 3, 3, 40},
      {4, 4, 5, 2, 17},
      {3, 1, 16, 1, 33},
      {9, 3, 64, 1, 100},
      {2, 1, 19, 4, 21},
      {2, 2, 1, 1, 70}
    };
    for (int[] s : shapes) {
      for (KvDtype type : KvDtype.values()) {
        check(r, s, type);
      }
    }
  }

  /**
   * One shape over a cache of {@code type}, through {@link CausalAttention} and (several positions)
   * {@link PromptAttention}: against the reference over the values the cache holds (for bf16, the
   * random keys and values rounded, then widened).
   */
  private static void check(SplittableRandom r, int[] s, KvDtype type) {
    int heads = s[0], kvHeads = s[1], hd = s[2], t = s[3], pos0 = s[4];
    int capacity = pos0 + t + 3;
    float[] q = random(r, t * heads * hd);
    float[] keys = random(r, kvHeads * capacity * hd);
    float[] values = random(r, kvHeads * capacity * hd);
    AttentionCache<?> cache = new AttentionCache<>(null, 1, kvHeads, hd, capacity, type, null);
    if (type == KvDtype.BF16) {
      Bf16.fromFloat(keys, 0, cache.keysBf16[0], 0, keys.length);
      Bf16.fromFloat(values, 0, cache.valuesBf16[0], 0, values.length);
      keys = Bf16.toFloat(cache.keysBf16[0]);
      values = Bf16.toFloat(cache.valuesBf16[0]);
    } else {
      System.arraycopy(keys, 0, cache.keys[0], 0, keys.length);
      System.arraycopy(values, 0, cache.values[0], 0, values.length);
    }
    float[] out = new float[t * heads * hd];
    float[] prompt = new float[t * heads * hd];
    float[] scores = new float[CausalAttention.scratchSize(capacity, heads / kvHeads)];
    CausalAttention.forward(out, q, cache, 0, t, pos0, heads, scores);
    PromptAttention.forward(prompt, q, cache, 0, t, pos0, heads);
    int group = heads / kvHeads;
    for (int i = 0; i < t; i++) {
      int len = pos0 + i + 1;
      for (int h = 0; h < heads; h++) {
        int kv = (h / group) * capacity * hd;
        int row = (i * heads + h) * hd;
        double[] want = reference(q, row, keys, values, kv, hd, len);
        for (int d = 0; d < hd; d++) {
          assertThat((double) out[row + d])
              .as("%s heads %d/%d hd %d row %d head %d dim %d", type, heads, kvHeads, hd, i, h, d)
              .isCloseTo(want[d], Offset.offset(2e-5));
          assertThat((double) prompt[row + d])
              .as("prompt %s heads %d/%d hd %d row %d head %d", type, heads, kvHeads, hd, i, h)
              .isCloseTo(want[d], Offset.offset(2e-5));
        }
      }
    }
  }

  /** One head's attention over {@code len} positions in double precision: (hd) values. */
  static double[] reference(
      float[] q, int row, float[] keys, float[] values, int kv, int hd, int len) {
    double[] p = new double[len];
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < len; j++) {
      double dot = 0;
      for (int d = 0; d < hd; d++) {
        dot += (double) q[row + d] * keys[kv + j * hd + d];
      }
      p[j] = dot / Math.sqrt(hd);
      max = Math.max(max, p[j]);
    }
    double sum = 0;
    for (int j = 0; j < len; j++) {
      p[j] = Math.exp(p[j] - max);
      sum += p[j];
    }
    double[] out = new double[hd];
    for (int d = 0; d < hd; d++) {
      for (int j = 0; j < len; j++) {
        out[d] += p[j] / sum * values[kv + j * hd + d];
      }
    }
    return out;
  }

  /**
   * A short head's scores and sums across positions (stories260K's eight values) have the bits of
   * their lane chains, written out here in scalar: a position's score is its in-order dot product
   * over the head divided by √hd; a dimension's sum takes position p into lane p % 16 in order over
   * the blocks, reduces the lanes by {@link dev.lathe.tensor.MatVec#reduce}'s tree, then adds the
   * positions past the last whole block. (The blocks are sixteen positions only on a machine with
   * sixteen lanes; elsewhere this returns.)
   */
  @Test
  void shortHeadsKeepTheBitsOfTheLaneChains() {
    if (jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() != 16) {
      return;
    }
    SplittableRandom r = new SplittableRandom(11);
    int hd = 8;
    for (int len : new int[] {16, 37, 64, 161}) {
      int kv = 8 * 3; // a cache that does not start at zero
      float[] q = random(r, 5 + hd);
      float[] keys = random(r, kv + len * hd + 7);
      float[] values = random(r, kv + len * hd + 7);
      float scale = (float) Math.sqrt(hd);
      float[] scores = new float[2 + len];
      int done = CausalAttention.scoresAcross(q, 5, keys, kv, hd, len, scale, scores, 2);
      assertThat(done).isEqualTo(len - len % 16);
      for (int p = 0; p < done; p++) {
        float dot = 0f;
        for (int d = 0; d < hd; d++) {
          dot = Math.fma(keys[kv + p * hd + d], q[5 + d], dot);
        }
        assertThat(Float.floatToRawIntBits(scores[2 + p]))
            .as("score of position %d of %d", p, len)
            .isEqualTo(Float.floatToRawIntBits(dot / scale));
      }
      for (int p = done; p < len; p++) {
        scores[2 + p] = (float) r.nextDouble();
      }
      float[] out = new float[3 + hd];
      CausalAttention.valuesAcross(scores, 2, values, kv, hd, len, out, 3);
      for (int d = 0; d < hd; d++) {
        float[] lanes = new float[16];
        for (int p = 0; p < done; p++) {
          lanes[p % 16] = Math.fma(values[kv + p * hd + d], scores[2 + p], lanes[p % 16]);
        }
        float sum = treeSum(lanes);
        for (int p = done; p < len; p++) {
          sum = Math.fma(scores[2 + p], values[kv + p * hd + d], sum);
        }
        assertThat(Float.floatToRawIntBits(out[3 + d]))
            .as("dimension %d over %d positions", d, len)
            .isEqualTo(Float.floatToRawIntBits(sum));
      }
    }
  }

  /** Sixteen lanes summed as lane i + lane (i xor h) for h = 8, 4, 2, 1; the result in lane 0. */
  private static float treeSum(float[] lanes) {
    float[] v = lanes.clone();
    for (int h = 8; h >= 1; h /= 2) {
      float[] next = new float[16];
      for (int i = 0; i < 16; i++) {
        next[i] = v[i] + v[i ^ h];
      }
      v = next;
    }
    return v[0];
  }

  static float[] random(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return a;
  }
}
