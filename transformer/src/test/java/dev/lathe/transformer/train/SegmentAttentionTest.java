package dev.lathe.transformer.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.tensor.ComputePool;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Segment attention alone at a length spanning several query tiles (T = 150 > 2 · {@link
 * SegmentAttention#QUERY_TILE}), with GQA and three packed examples plus padding, against a naive
 * double-precision attention differentiated by {@link Tape}: outputs, and the q, k, v gradients of
 * {@code Σ out ⊙ dOut}.
 */
class SegmentAttentionTest {
  private static final int B = 2;
  private static final int T = 150;
  private static final int H = 4;
  private static final int KVH = 2;
  private static final int HD = 8;

  @Test
  void tiledForwardAndBackwardEqualANaiveDoubleAttention() {
    int n = B * T;
    SplittableRandom r = new SplittableRandom(8);
    float[] q = random(r, n * H * HD);
    float[] kTok = random(r, n * KVH * HD); // (B, T, KVH, hd)
    float[] vTok = random(r, n * KVH * HD);
    float[] dOut = random(r, n * H * HD);
    int[] segments = new int[n];
    for (int i = 0; i < n; i++) { // row 0: examples of 70 and 80; row 1: 140 then padding
      int p = i % T;
      segments[i] = i < T ? (p < 70 ? 0 : 1) : (p < 140 ? 2 : -1);
    }
    int[] segStart = new int[n];
    SegmentAttention.segmentStarts(segStart, segments, B, T);
    float[] k = new float[kTok.length];
    float[] v = new float[vTok.length];
    SegmentAttention.transpose(kTok, k, B, T, KVH, HD, true);
    SegmentAttention.transpose(vTok, v, B, T, KVH, HD, true);
    int tile = SegmentAttention.QUERY_TILE * (H / KVH);
    float[] out = new float[n * H * HD];
    float[] lse = new float[n * H];
    float[] s1 = new float[tile * T];
    float[] s2 = new float[tile * T];
    float[] qb = new float[tile * HD];
    float[] ob = new float[tile * HD];
    float[] dq = new float[q.length];
    float[] dk = new float[k.length];
    float[] dv = new float[v.length];
    try (ComputePool pool = new ComputePool(2)) {
      SegmentAttention.forward(pool, out, lse, q, k, v, segStart, B, T, H, KVH, HD, s1, qb, ob);
      SegmentAttention.backward(
          pool, dq, dk, dv, dOut, lse, q, k, v, segStart, B, T, H, KVH, HD, s1, s2, qb, ob);
    }
    float[] dkTok = new float[k.length];
    float[] dvTok = new float[v.length];
    SegmentAttention.transpose(dkTok, dk, B, T, KVH, HD, false);
    SegmentAttention.transpose(dvTok, dv, B, T, KVH, HD, false);

    // the naive double attention on a tape
    Tape tape = new Tape();
    int[] qn = leaves(tape, q);
    int[] kn = leaves(tape, kTok);
    int[] vn = leaves(tape, vTok);
    int loss = -1;
    double worstOut = 0;
    for (int i = 0; i < n; i++) {
      if (segments[i] < 0) {
        continue; // padding attends among itself; the engine's output there is not used
      }
      for (int h = 0; h < H; h++) {
        int g = h / (H / KVH);
        int first = i;
        while (first % T > 0 && segments[first - 1] == segments[i]) {
          first--;
        }
        int[] scores = new int[i - first + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = first; j <= i; j++) {
          int s =
              tape.scale(
                  tape.dot(qn, (i * H + h) * HD, kn, (j * KVH + g) * HD, HD), 1 / Math.sqrt(HD));
          scores[j - first] = s;
          max = Math.max(max, tape.value(s));
        }
        int[] e = new int[scores.length];
        for (int j = 0; j < e.length; j++) {
          e[j] = tape.exp(tape.shift(scores[j], -max));
        }
        int inv = tape.reciprocal(tape.sum(e));
        for (int d = 0; d < HD; d++) {
          int o = -1;
          for (int j = first; j <= i; j++) {
            int term = tape.mul(tape.mul(e[j - first], inv), vn[(j * KVH + g) * HD + d]);
            o = o < 0 ? term : tape.add(o, term);
          }
          int idx = (i * H + h) * HD + d;
          worstOut = Math.max(worstOut, Math.abs(tape.value(o) - out[idx]));
          int term = tape.scale(o, dOut[idx]);
          loss = loss < 0 ? term : tape.add(loss, term);
        }
      }
    }
    assertThat(worstOut).isLessThan(1e-5);
    double[] g = tape.gradient(loss);
    for (int i = 0; i < n; i++) { // the engine's padding rows are excluded from the reference
      if (segments[i] < 0) {
        for (int c = 0; c < H * HD; c++) {
          dq[i * H * HD + c] = 0;
        }
        for (int c = 0; c < KVH * HD; c++) {
          dkTok[i * KVH * HD + c] = 0;
          dvTok[i * KVH * HD + c] = 0;
        }
      }
    }
    assertClose(dq, g, qn);
    assertClose(dkTok, g, kn);
    assertClose(dvTok, g, vn);
  }

  private static void assertClose(float[] actual, double[] g, int[] nodes) {
    double scale = 0;
    double worst = 0;
    for (int i = 0; i < actual.length; i++) {
      scale = Math.max(scale, Math.abs(g[nodes[i]]));
      worst = Math.max(worst, Math.abs(actual[i] - g[nodes[i]]));
    }
    assertThat(scale).isGreaterThan(0);
    assertThat(worst).isLessThanOrEqualTo(1e-5 * scale + 1e-6);
  }

  private static int[] leaves(Tape tape, float[] x) {
    int[] idx = new int[x.length];
    for (int i = 0; i < x.length; i++) {
      idx[i] = tape.leaf(x[i]);
    }
    return idx;
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextGaussian();
    }
    return a;
  }
}
