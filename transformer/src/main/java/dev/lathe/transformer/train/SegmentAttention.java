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
 * <p>Work is done per (row, KV head, example, tile of {@link #QUERY_TILE} queries) with a few
 * matrix products: the tile's queries of all heads in the group are gathered into one (tile·group,
 * hd) matrix, scored against the example's keys up to the tile's last position and masked causally.
 * Forward saves only the log-sum-exp of every (position, head) score row; backward recomputes the
 * probabilities from it (memory (B, T, H) instead of (B, H, T, T)). Scratch: (H/KVH)·QUERY_TILE·T
 * floats twice, (H/KVH)·QUERY_TILE·hd twice, per pool thread: forward shares the (row, example, KV
 * head, tile) units out over the pool's threads, backward the (row, example, KV head) units; a
 * unit's products then run on its thread alone, so the bits do not depend on the thread count.
 */
final class SegmentAttention {
  private SegmentAttention() {}

  /** Query positions scored together: bounds the scratch to (H/KVH)·QUERY_TILE·T. */
  static final int QUERY_TILE = 64;

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

  /** Length of the run starting at {@code s0} in row {@code b}. */
  private static int runLength(int[] segStart, int b, int t, int s0) {
    int e = s0 + 1;
    while (e < t && segStart[b * t + e] == s0) {
      e++;
    }
    return e - s0;
  }

  /**
   *
   *
   * <pre>
   * // out: (B, T, H, hd)   q: (B, T, H, hd)   k, v: (B, KVH, T, hd)   lse: (B, T, H)
   * // segStart: (B, T)   scores: scratch (H/KVH)·tile·T   qBlock, oBlock: (H/KVH)·tile·hd
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
      float[] scores,
      float[] qBlock,
      float[] oBlock) {
    int group = heads / kvHeads;
    float inv = (float) (1 / Math.sqrt(hd));
    // one task per (row, example, KV head, query tile): their outputs do not overlap
    int[] units = units(segStart, rows, t, kvHeads, true);
    pool.parallelFor(
        units.length / 4,
        (task, worker) -> {
          int b = units[4 * task];
          int s0 = units[4 * task + 1];
          int len = units[4 * task + 2];
          int g = units[4 * task + 3] / t;
          int i0 = units[4 * task + 3] % t;
          Scratch sc = Scratch.of(worker, scores, null, qBlock, oBlock);
          float[] sco = sc.p;
          int kv = ((b * kvHeads + g) * t + s0) * hd;
          int i1 = Math.min(len, i0 + QUERY_TILE);
          int m = (i1 - i0) * group; // tile rows: (position i, head h in group)
          gather(sc.qBlock, q, b, t, s0 + i0, i1 - i0, heads, g * group, group, hd);
          // scores: (tile·group, i1) = qBlock · k[s0 .. s0+i1)ᵀ
          Gemm.mulNT(pool, sc.qBlock, 0, k, kv, sco, 0, m, i1, hd, false);
          for (int r = 0; r < m; r++) {
            int i = i0 + r / group; // causal: keys 0..i of the example
            int s = r * i1;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
              sco[s + j] *= inv;
              max = Math.max(max, sco[s + j]);
            }
            float sum = 0;
            for (int j = 0; j <= i; j++) {
              float e = (float) Math.exp(sco[s + j] - max);
              sco[s + j] = e;
              sum += e;
            }
            float rs = 1 / sum;
            for (int j = 0; j <= i; j++) {
              sco[s + j] *= rs;
            }
            for (int j = i + 1; j < i1; j++) {
              sco[s + j] = 0;
            }
            int n = b * t + s0 + i;
            lse[n * heads + g * group + r % group] = max + (float) Math.log(sum);
          }
          // oBlock: (tile·group, hd) = P · v[s0 .. s0+i1)
          Gemm.mulNN(pool, sco, 0, v, kv, sc.oBlock, 0, m, hd, i1, false);
          scatter(out, sc.oBlock, b, t, s0 + i0, i1 - i0, heads, g * group, group, hd, false);
        });
  }

  /**
   * Accumulates into {@code dq}, {@code dk}, {@code dv}.
   *
   * <pre>
   * // dq: (B, T, H, hd)   dk, dv: (B, KVH, T, hd)   dout: (B, T, H, hd)
   * // p, dp: scratch (H/KVH)·tile·T each   qBlock, oBlock: scratch (H/KVH)·tile·hd each
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
      float[] dp,
      float[] qBlock,
      float[] oBlock) {
    int group = heads / kvHeads;
    float inv = (float) (1 / Math.sqrt(hd));
    // one task per (row, example, KV head): its tiles accumulate into the same dk and dv rows, so
    // they run in order within the task; different tasks write different rows and heads
    int[] units = units(segStart, rows, t, kvHeads, false);
    pool.parallelFor(
        units.length / 4,
        (task, worker) -> {
          int b = units[4 * task];
          int s0 = units[4 * task + 1];
          int len = units[4 * task + 2];
          int g = units[4 * task + 3];
          Scratch sc = Scratch.of(worker, p, dp, qBlock, oBlock);
          int kv = ((b * kvHeads + g) * t + s0) * hd;
          for (int i0 = 0; i0 < len; i0 += QUERY_TILE) {
            backwardTile(
                pool, sc, dq, dk, dv, dout, lse, q, k, v, b, s0, len, g, i0, t, heads, group, hd,
                kv, inv);
          }
        });
  }

  /** Backward of one query tile of one (row, example, KV head). */
  private static void backwardTile(
      ComputePool pool,
      Scratch sc,
      float[] dq,
      float[] dk,
      float[] dv,
      float[] dout,
      float[] lse,
      float[] q,
      float[] k,
      float[] v,
      int b,
      int s0,
      int len,
      int g,
      int i0,
      int t,
      int heads,
      int group,
      int hd,
      int kv,
      float inv) {
    float[] p = sc.p;
    float[] dp = sc.dp;
    float[] qBlock = sc.qBlock;
    float[] oBlock = sc.oBlock;
    int i1 = Math.min(len, i0 + QUERY_TILE);
    int m = (i1 - i0) * group;
    gather(qBlock, q, b, t, s0 + i0, i1 - i0, heads, g * group, group, hd);
    // P: (tile·group, i1) recomputed from the saved log-sum-exp, zero above the diagonal
    Gemm.mulNT(pool, qBlock, 0, k, kv, p, 0, m, i1, hd, false);
    for (int r = 0; r < m; r++) {
      int i = i0 + r / group;
      int n = b * t + s0 + i;
      float lr = lse[n * heads + g * group + r % group];
      int s = r * i1;
      for (int j = 0; j <= i; j++) {
        p[s + j] = (float) Math.exp(p[s + j] * inv - lr);
      }
      for (int j = i + 1; j < i1; j++) {
        p[s + j] = 0;
      }
    }
    gather(oBlock, dout, b, t, s0 + i0, i1 - i0, heads, g * group, group, hd); // dO
    // dP: (tile·group, i1) = dO · v[s0 .. s0+i1)ᵀ
    Gemm.mulNT(pool, oBlock, 0, v, kv, dp, 0, m, i1, hd, false);
    // dv[s0 .. s0+i1): (i1, hd) += Pᵀ · dO
    Gemm.mulTN(pool, p, 0, oBlock, 0, dv, kv, i1, hd, m, true);
    // dS = P ⊙ (dP − Σ_j P dP) / √hd  (zero where P is)
    for (int r = 0; r < m; r++) {
      int s = r * i1;
      float dot = 0;
      for (int j = 0; j < i1; j++) {
        dot += p[s + j] * dp[s + j];
      }
      for (int j = 0; j < i1; j++) {
        dp[s + j] = p[s + j] * (dp[s + j] - dot) * inv;
      }
    }
    // dk[s0 .. s0+i1): (i1, hd) += dSᵀ · qBlock
    Gemm.mulTN(pool, dp, 0, qBlock, 0, dk, kv, i1, hd, m, true);
    // dQ tile: (tile·group, hd) = dS · k[s0 .. s0+i1)
    Gemm.mulNN(pool, dp, 0, k, kv, oBlock, 0, m, hd, i1, false);
    scatter(dq, oBlock, b, t, s0 + i0, i1 - i0, heads, g * group, group, hd, true);
  }

  /**
   * The work units, four ints each: row, example start, example length, and {@code g·T + i0} (KV
   * head g, first query i0 of a tile) when {@code tiles}, else just g.
   */
  private static int[] units(int[] segStart, int rows, int t, int kvHeads, boolean tiles) {
    java.util.ArrayList<int[]> list = new java.util.ArrayList<>();
    for (int b = 0; b < rows; b++) {
      for (int s0 = 0; s0 < t; s0 += runLength(segStart, b, t, s0)) {
        int len = runLength(segStart, b, t, s0);
        for (int g = 0; g < kvHeads; g++) {
          if (!tiles) {
            list.add(new int[] {b, s0, len, g});
            continue;
          }
          for (int i0 = 0; i0 < len; i0 += QUERY_TILE) {
            list.add(new int[] {b, s0, len, g * t + i0});
          }
        }
      }
    }
    int[] u = new int[4 * list.size()];
    for (int i = 0; i < list.size(); i++) {
      System.arraycopy(list.get(i), 0, u, 4 * i, 4);
    }
    return u;
  }

  /**
   * The scratch of one pool worker: the caller's buffers for worker 0, buffers of the same sizes
   * kept per thread for the others (tasks on different workers must not share scratch).
   */
  private record Scratch(float[] p, float[] dp, float[] qBlock, float[] oBlock) {
    private static final ThreadLocal<Scratch> OWN = new ThreadLocal<>();

    static Scratch of(int worker, float[] p, float[] dp, float[] qBlock, float[] oBlock) {
      if (worker == 0) {
        return new Scratch(p, dp, qBlock, oBlock);
      }
      Scratch s = OWN.get();
      if (s == null
          || s.p.length < p.length
          || (dp != null && s.dp.length < dp.length)
          || s.qBlock.length < qBlock.length
          || s.oBlock.length < oBlock.length) {
        s =
            new Scratch(
                new float[p.length],
                new float[dp == null ? p.length : dp.length],
                new float[qBlock.length],
                new float[oBlock.length]);
        OWN.set(s);
      }
      return s;
    }
  }

  /** block: (L·group, hd) ← x[b, p0..p0+L, h0..h0+group, :] with x (B, T, H, hd). */
  private static void gather(
      float[] block,
      float[] x,
      int b,
      int t,
      int s0,
      int len,
      int heads,
      int h0,
      int group,
      int hd) {
    for (int i = 0; i < len; i++) {
      System.arraycopy(x, ((b * t + s0 + i) * heads + h0) * hd, block, i * group * hd, group * hd);
    }
  }

  /** x[b, p0..p0+L, h0..h0+group, :] ← (or +=) block. */
  private static void scatter(
      float[] x,
      float[] block,
      int b,
      int t,
      int s0,
      int len,
      int heads,
      int h0,
      int group,
      int hd,
      boolean accumulate) {
    for (int i = 0; i < len; i++) {
      int o = ((b * t + s0 + i) * heads + h0) * hd;
      int w = group * hd;
      if (accumulate) {
        for (int j = 0; j < w; j++) {
          x[o + j] += block[i * w + j];
        }
      } else {
        System.arraycopy(block, i * w, x, o, w);
      }
    }
  }

  /**
   * Between the (B, T, KVH, hd) layout of a projection and the (B, KVH, T, hd) layout attention
   * reads; {@code toHeads} picks the direction.
   */
  static void transpose(
      float[] tokens, float[] heads, int rows, int t, int kvHeads, int hd, boolean toHeads) {
    for (int b = 0; b < rows; b++) {
      for (int i = 0; i < t; i++) {
        for (int g = 0; g < kvHeads; g++) {
          int a = ((b * t + i) * kvHeads + g) * hd;
          int h = ((b * kvHeads + g) * t + i) * hd;
          if (toHeads) {
            System.arraycopy(tokens, a, heads, h, hd);
          } else {
            System.arraycopy(heads, h, tokens, a, hd);
          }
        }
      }
    }
  }
}
