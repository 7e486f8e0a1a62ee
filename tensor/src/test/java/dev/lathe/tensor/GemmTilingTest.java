package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.tensor.GemmTest.Case;
import dev.lathe.tensor.GemmTest.Layout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Every register tile {@link GemmTiling} can choose, run on this machine whatever it would choose:
 * each gives, for every element of C, the bits of its scalar twin (one {@link Math#fma} chain in
 * order of k, from zero or from C), on odd sizes that leave partial tiles and blocks at every edge
 * and a depth cut into several passes, for any thread count.
 */
class GemmTilingTest {
  private static final ComputePool[] POOLS = {
    new ComputePool(1), new ComputePool(2), new ComputePool(3)
  };
  private static final GemmTiling[] TILINGS = {GemmTiling.NARROW, GemmTiling.WIDE};

  @AfterAll
  static void stop() {
    for (ComputePool p : POOLS) {
      p.close();
    }
  }

  private static float[] run(GemmTiling t, ComputePool pool, Case c, boolean accumulate) {
    float[] out = c.c0().clone();
    int m = c.m();
    int n = c.n();
    int k = c.k();
    boolean aT = c.layout() == Layout.TN;
    GemmPacked.BSource b =
        c.layout() == Layout.NT
            ? GemmPacked.BSource.f32(c.b(), Case.B_OFF, 1, k)
            : GemmPacked.BSource.f32(c.b(), Case.B_OFF, n, 1);
    GemmPacked.mul(
        t,
        pool,
        c.a(),
        Case.A_OFF,
        aT ? 1 : k,
        aT ? m : 1,
        b,
        out,
        Case.C_OFF,
        m,
        n,
        k,
        accumulate);
    return out;
  }

  /** The scalar twin: one FMA chain per element in order of k. */
  private static float[] chain(Case c, boolean accumulate) {
    float[] out = c.c0().clone();
    for (int i = 0; i < c.m(); i++) {
      for (int j = 0; j < c.n(); j++) {
        int at = Case.C_OFF + i * c.n() + j;
        float acc = accumulate ? out[at] : 0f;
        for (int p = 0; p < c.k(); p++) {
          acc = Math.fma(c.a(i, p), c.b(p, j), acc);
        }
        out[at] = acc;
      }
    }
    return out;
  }

  @Test
  void everyTileGivesTheBitsOfTheScalarTwinOnOddSizesForAnyThreadCount() {
    int lanes = GemmMicroKernel.L;
    int[][] shapes = {
      {1, 1, 1},
      {7, 3 * lanes + 5, 13},
      {9, lanes - 1, 33},
      {25, 2 * lanes + 1, 641},
      {121, 193, 129},
      {131, 4 * 3 * lanes + 7, 1283}
    };
    long seed = 3;
    for (GemmTiling t : TILINGS) {
      for (Layout layout : Layout.values()) {
        for (int[] s : shapes) {
          Case c = Case.random(layout, s[0], s[1], s[2], seed++);
          for (boolean accumulate : new boolean[] {false, true}) {
            float[] want = chain(c, accumulate);
            for (ComputePool pool : POOLS) {
              assertThat(run(t, pool, c, accumulate))
                  .as("%s %s m=%d n=%d k=%d acc=%s", t, layout, s[0], s[1], s[2], accumulate)
                  .isEqualTo(want);
            }
          }
        }
      }
    }
  }

  @Test
  void tilesAreChosenFromTheVectorWidthOrForcedByName() {
    assertThat(GemmTiling.choose(null, 16)).isEqualTo(GemmTiling.WIDE);
    assertThat(GemmTiling.choose("", 8)).isEqualTo(GemmTiling.NARROW);
    assertThat(GemmTiling.choose(" 6X2 ", 16)).isEqualTo(GemmTiling.NARROW);
    assertThat(GemmTiling.choose("8x3", 8)).isEqualTo(GemmTiling.WIDE);
    assertThatThrownBy(() -> GemmTiling.choose("4x4", 16))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lathe.gemm.tile=4x4")
        .hasMessageContaining("8x3 or 6x2");
  }

  @Test
  void blocksHoldWholeTilesAndAnAPanelFitsL1() {
    for (GemmTiling t : TILINGS) {
      assertThat(t.nc() % t.nr()).as("%s", t).isZero();
      assertThat(4L * t.mr() * t.kc()).as("%s A micro-panel bytes", t).isLessThanOrEqualTo(32768);
    }
  }
}
