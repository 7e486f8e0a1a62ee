package dev.lathe.tensor;

import java.util.Locale;

/**
 * The register tile and cache blocks of {@link GemmPacked}, chosen once at start-up from the vector
 * width the JVM reports ({@link GemmMicroKernel#L}).
 *
 * <p>A core with 512-bit vectors (AVX-512: 32 vector registers, and on recent cores two 512-bit FMA
 * pipes) gets an 8 × 3-vector tile: 24 accumulators hide the FMA latency on both pipes, and each k
 * step issues 11 loads (3 of B, 8 broadcasts of A) for 24 FMAs. Narrower vectors (AVX2: 16
 * registers) get the 6 × 2-vector tile, whose 12 accumulators and 3 operands fit the register file.
 * The blocks follow from the tile: an A micro-panel ({@code mr × kc}) stays in a 32 KB L1, the B
 * panels of one task ({@code kc × nc}) in L2.
 *
 * <p>The system property {@code lathe.gemm.tile} ({@code 8x3} or {@code 6x2}) forces a tile, to
 * compare the two on one machine. The tiling never depends on the thread count, so neither does the
 * result.
 *
 * @param mr rows of the register tile
 * @param nv vectors per row of the register tile
 * @param kc most k steps per pass over a block of C
 * @param nc columns of C per task
 */
record GemmTiling(int mr, int nv, int kc, int nc) {
  /** System property that forces a tile shape. */
  static final String PROPERTY = "lathe.gemm.tile";

  /** 6 rows × 2 vectors: the tile for 16-register (AVX2) machines. */
  static final GemmTiling NARROW = of(6, 2);

  /** 8 rows × 3 vectors: the tile for 32-register (AVX-512) machines. */
  static final GemmTiling WIDE = of(8, 3);

  /** The tiling of this machine. */
  static final GemmTiling NATIVE = choose(System.getProperty(PROPERTY), GemmMicroKernel.L);

  static GemmTiling of(int mr, int nv) {
    int nr = nv * GemmMicroKernel.L;
    // A micro-panel mr × kc at most ~20 KB; B panels of a task kc × nc at most ~400 KB
    int kc = Math.min(640, 20 * 1024 / 4 / mr / 16 * 16);
    return new GemmTiling(mr, nv, kc, Math.max(1, 192 / nr) * nr);
  }

  static GemmTiling choose(String forced, int lanes) {
    if (forced == null || forced.isBlank()) {
      return lanes >= 16 ? WIDE : NARROW;
    }
    return switch (forced.trim().toLowerCase(Locale.ROOT)) {
      case "8x3" -> WIDE;
      case "6x2" -> NARROW;
      default ->
          throw new IllegalArgumentException(
              "system property "
                  + PROPERTY
                  + "="
                  + forced
                  + " must be 8x3 or 6x2 (rows x vectors)");
    };
  }

  /** Columns of the register tile. */
  int nr() {
    return nv * GemmMicroKernel.L;
  }

  /** Longest k packed at once (see {@link GemmPacked}). */
  int kSlice() {
    return 8 * kc;
  }
}
