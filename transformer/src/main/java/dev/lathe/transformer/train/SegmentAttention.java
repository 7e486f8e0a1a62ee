package dev.lathe.transformer.train;

import dev.lathe.tensor.ComputePool;
import dev.lathe.tensor.Gemm;

/**
 * Causal attention within packed segments, over whole (B, T) batches, as a forward/backward pair.
 * Query {@code i} attends to positions {@code segStart[i] .. i} of its own row: itself and the
 * earlier positions of its example, never another example packed in the same row. Grouped-query
 * attention: query head {@code h} reads key/value head {@code h / (H / KVH)}, so the key and value
 * gradients sum over the query heads sharing them.
 *
 * <p>Forward saves only the log-sum-exp of every (position, head) score row; backward recomputes
 * the probabilities from it (memory (B, T, H) instead of (B, H, T, T)).
 */
final class SegmentAttention {
  private SegmentAttention() {}

  /**
   * First position (within its row) of the run of equal segment ids each position belongs to.
   *
   * <pre>
   * // segStart: (B, T)   segments: (B, T)
   * </pre>
   */
  static void segmentStarts(int[] segStart, int[] segments, int rows, int t) {
    for (int b = 0; b < rows; b++) {
      for (int i = 0; i < t; i++) {
        int n = b * t + i;
        segStart[n] = i > 0 && segments[n] == segments[n - 1] ? segStart[n - 1] : i;
      }
    }
  }

  /**
   *
   *
   * <pre>
   * // out: (B, T, H, hd)   q: (B, T, H, hd)   k, v: (B, KVH, T, hd)   lse: (B, T, H)
   * // segStart: (B, T)   scores: scratch of (H/KVH) * T
   * </pre>
   */
  static void forward(
      ComputePool pool,
      float[] out,
      float[] lse,
      float[] q,
      float[] k,
      float[] v,
      int[] segStart,
      int rows,
      int t,
      int heads,
      int kvHeads,
      int hd,
      float[] scores) {
    int group = heads / kvHeads;
    float inv = (float) (1 / Math.sqrt(hd));
    for (int b = 0; b < rows; b++) {
      for (int i = 0; i < t; i++) {
        int n = b * t + i;
        int s0 = segStart[n];
        int len = i - s0 + 1;
        for (int g = 0; g < kvHeads; g++) {
          int qRow = (n * heads + g * group) * hd;
          int kv = ((b * kvHeads + g) * t + s0) * hd;
          // scores: (group, len) = q rows · k[s0..i]ᵀ
          Gemm.mulNT(pool, q, qRow, k, kv, scores, 0, group, len, hd, false);
          for (int h = 0; h < group; h++) {
            int s = h * len;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < len; j++) {
              scores[s + j] *= inv;
              max = Math.max(max, scores[s + j]);
            }
            float sum = 0;
            for (int j = 0; j < len; j++) {
              float e = (float) Math.exp(scores[s + j] - max);
              scores[s + j] = e;
              sum += e;
            }
            float r = 1 / sum;
            for (int j = 0; j < len; j++) {
              scores[s + j] *= r;
            }
            lse[n * heads + g * group + h] = max + (float) Math.log(sum);
          }
          // out rows: (group, hd) = P · v[s0..i]
          Gemm.mulNN(pool, scores, 0, v, kv, out, qRow, group, hd, len, false);
        }
      }
    }
  }

  /**
   * Accumulates into {@code dq}, {@code dk}, {@code dv}.
   *
   * <pre>
   * // dq: (B, T, H, hd)   dk, dv: (B, KVH, T, hd)   dout: (B, T, H, hd)
   * // p, dp: scratch of (H/KVH) * T each
   * </pre>
   */
  static void backward(
      ComputePool pool,
      float[] dq,
      float[] dk,
      float[] dv,
      float[] dout,
      float[] lse,
      float[] q,
      float[] k,
      float[] v,
      int[] segStart,
      int rows,
      int t,
      int heads,
      int kvHeads,
      int hd,
      float[] p,
      float[] dp) {
    int group = heads / kvHeads;
    float inv = (float) (1 / Math.sqrt(hd));
    for (int b = 0; b < rows; b++) {
      for (int i = 0; i < t; i++) {
        int n = b * t + i;
        int s0 = segStart[n];
        int len = i - s0 + 1;
        for (int g = 0; g < kvHeads; g++) {
          int qRow = (n * heads + g * group) * hd;
          int kv = ((b * kvHeads + g) * t + s0) * hd;
          // P: (group, len) recomputed from the saved log-sum-exp
          Gemm.mulNT(pool, q, qRow, k, kv, p, 0, group, len, hd, false);
          for (int h = 0; h < group; h++) {
            float m = lse[n * heads + g * group + h];
            for (int j = 0; j < len; j++) {
              p[h * len + j] = (float) Math.exp(p[h * len + j] * inv - m);
            }
          }
          // dP: (group, len) = dout rows · v[s0..i]ᵀ
          Gemm.mulNT(pool, dout, qRow, v, kv, dp, 0, group, len, hd, false);
          // dv[s0..i]: (len, hd) += Pᵀ · dout rows
          Gemm.mulTN(pool, p, 0, dout, qRow, dv, kv, len, hd, group, true);
          // dS = P ⊙ (dP − Σ_j P dP), times the 1/√hd of the scores
          for (int h = 0; h < group; h++) {
            int s = h * len;
            float dot = 0;
            for (int j = 0; j < len; j++) {
              dot += p[s + j] * dp[s + j];
            }
            for (int j = 0; j < len; j++) {
              dp[s + j] = p[s + j] * (dp[s + j] - dot) * inv;
            }
          }
          // dq rows: (group, hd) += dS · k[s0..i]
          Gemm.mulNN(pool, dp, 0, k, kv, dq, qRow, group, hd, len, true);
          // dk[s0..i]: (len, hd) += dSᵀ · q rows
          Gemm.mulTN(pool, dp, 0, q, qRow, dk, kv, len, hd, group, true);
        }
      }
    }
  }
}
