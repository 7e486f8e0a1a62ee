package dev.lathe.tensor;

import static dev.lathe.tensor.GemmMicroKernel.L;
import static dev.lathe.tensor.GemmMicroKernel.S;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Blocked, packed GEMM on the Vector API: C[m,n] (+)= op(A)[m,k] · op(B)[k,n] for any strides.
 *
 * <p>Two parallel phases per chunk of rows of at most {@link #PACK_LIMIT} floats of A: first A is
 * packed into {@code mr}-row panels (k-major, zero-padded at the edge), then C is cut into column
 * blocks (and, when those are few, row groups), one task each. A task packs the {@code nr}-column B
 * panels of its columns (zero-padded; bf16 and Q8_0 weights widened here) one pass of at most
 * {@code kc} steps of k at a time into its own buffer, which stays in L2, and runs a {@link
 * GemmMicroKernel} tile over its rows' A panels and those B panels. Packing B where it is consumed
 * spares writing the whole packed B out and reading it back from beyond L2 for every row block. The
 * tile and blocks are the machine's {@link GemmTiling}; the passes over k do not depend on the
 * thread count or the blocks, and element (i, j) of C is always the same sequence of operations:
 * one FMA chain in order of k, started from zero (or from C when accumulating) and carried through
 * C between passes.
 *
 * <p>A element (i, p) lives at {@code aOff + i*ars + p*acs}; B element (p, j) at {@code bOff +
 * p*brs + j*bcs}. bf16 B (short[] or a memory segment of little-endian shorts) is always in the
 * forward layout B[n,k].
 */
final class GemmPacked {
  private GemmPacked() {}

  /** For nr = v·L: lane offsets {@code 0, nr, 2nr, …} that scatter a vector down a panel. */
  static final int[][] SCATTER = new int[4][];

  static {
    for (int v = 1; v < SCATTER.length; v++) {
      SCATTER[v] = new int[L];
      for (int i = 0; i < L; i++) {
        SCATTER[v][i] = i * v * L;
      }
    }
  }

  /** Most floats one packed operand may take; larger operands are packed a chunk at a time. */
  static final int PACK_LIMIT = 1 << 22;

  private static final VectorSpecies<Float> EIGHT = FloatVector.SPECIES_256;

  private static final ValueLayout.OfShort BF16 =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);

  /**
   * Where B comes from: f32 array with strides, bf16 array [n,k], bf16 segment [n,k], or a block
   * matrix [n,k] (Q8_0 or Q4_0: its values {@code q * d}, exact in f32).
   */
  record BSource(
      float[] f32, short[] bf16, MemorySegment seg, BlockMatrix blocks, long off, int rs, int cs) {
    static BSource f32(float[] b, int off, int rs, int cs) {
      return new BSource(b, null, null, null, off, rs, cs);
    }

    /** The same matrix from row {@code p0} of k on. */
    BSource from(int p0) {
      return p0 == 0 ? this : new BSource(f32, bf16, seg, blocks, off + (long) p0 * rs, rs, cs);
    }

    static BSource bf16(short[] b, int off, int k) {
      return new BSource(null, b, null, null, off, 1, k);
    }

    static BSource segment(MemorySegment b, long off, int k) {
      return new BSource(null, null, b, null, off, 1, k);
    }

    static BSource blocks(BlockMatrix b) {
      return new BSource(null, null, null, b, 0, 1, b.cols());
    }
  }

  private static final class Scratch {
    float[] a = new float[0];
    float[] b = new float[0];
  }

  /** 16 rows of a bf16 B widened to f32 before they are transposed into a panel. */
  private static final ThreadLocal<float[]> WIDENED = ThreadLocal.withInitial(() -> new float[0]);

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
  private static final ThreadLocal<float[]> TILE =
      ThreadLocal.withInitial(() -> new float[GemmTiling.WIDE.mr() * GemmTiling.WIDE.nr()]);

  static void mul(
      ComputePool pool,
      float[] a,
      int aOff,
      int ars,
      int acs,
      BSource b,
      float[] c,
      int cOff,
      int m,
      int n,
      int k,
      boolean accumulate) {
    mul(GemmTiling.NATIVE, pool, a, aOff, ars, acs, b, c, cOff, m, n, k, accumulate);
  }

  /** As above with the tiling {@code t} (tests run every tiling on any machine). */
  static void mul(
      GemmTiling t,
      ComputePool pool,
      float[] a,
      int aOff,
      int ars,
      int acs,
      BSource b,
      float[] c,
      int cOff,
      int m,
      int n,
      int k,
      boolean accumulate) {
    // a long k (e.g. the vocabulary in dX = dLogits · W) is cut into equal slices, each packed once
    // and added into C: otherwise the packing limit would cut m into slivers that each pack all of
    // B again. C holds the FMA chains between slices exactly, so the result does not change.
    int slices = (k + t.kSlice() - 1) / t.kSlice();
    int step = (k + slices - 1) / slices;
    for (int p0 = 0; p0 < k; p0 += step) {
      int kc = Math.min(step, k - p0);
      mulSlice(
          t,
          pool,
          a,
          aOff + p0 * acs,
          ars,
          acs,
          b.from(p0),
          c,
          cOff,
          m,
          n,
          kc,
          accumulate || p0 > 0);
    }
  }

  /** Fewest tasks the columns (and, when they are few, the rows) of C are cut into. */
  private static final int MIN_TASKS = 6;

  /**
   * Row groups per column block: enough for {@link #MIN_TASKS} tasks, and then, while there are
   * fewer than eight tasks per thread, enough that every thread gets as many (11 column blocks on 2
   * threads would leave one thread a whole block alone at the end). Which rows and columns a task
   * covers does not change any element's arithmetic, so the thread count still does not change the
   * result.
   */
  static int rowGroups(int colBlocks, int aPanels, int threads) {
    int groups = Math.max(1, ceilDiv(MIN_TASKS, colBlocks));
    while (groups < aPanels
        && colBlocks * groups % threads != 0
        && colBlocks * groups < 8 * threads) {
      groups++;
    }
    return Math.min(groups, Math.max(1, aPanels));
  }

  /**
   * Rows of A packed at once: as many whole {@code mr}-row panels as {@link #PACK_LIMIT} holds,
   * evened out over the chunks, so that no chunk is a sliver that packs all of B again for a few
   * rows (2048 rows of k = 2048 had been cut into 2040 and 8).
   */
  static int rowChunk(int m, int k, int mr) {
    int chunks = ceilDiv(m, Math.max(mr, PACK_LIMIT / k / mr * mr));
    return ceilDiv(ceilDiv(m, chunks), mr) * mr;
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  private static void mulSlice(
      GemmTiling t,
      ComputePool pool,
      float[] a,
      int aOff,
      int ars,
      int acs,
      BSource b,
      float[] c,
      int cOff,
      int m,
      int n,
      int k,
      boolean accumulate) {
    Scratch s = SCRATCH.get();
    int mr = t.mr();
    // a C at most one vector wide (e.g. a LoRA rank) uses one-vector panels: no padded lanes
    int nr = n <= L ? L : t.nr();
    // columns per task: the tiling's block (as wide as L2 allows: every column block reads all of
    // A again); row groups make up MIN_TASKS when the columns give fewer
    int nc = t.nc();
    int colBlocks = ceilDiv(n, nc);
    int mChunk = rowChunk(m, k, mr);
    for (int i0 = 0; i0 < m; i0 += mChunk) {
      int mm = Math.min(mChunk, m - i0);
      int aPanels = ceilDiv(mm, mr);
      if (s.a.length < aPanels * mr * k) {
        s.a = new float[aPanels * mr * k];
      }
      float[] pa = s.a;
      int ia = i0;
      // phase 1: pack the A panels of this row chunk
      pool.parallelFor(
          aPanels,
          (task, w) -> {
            int i = task * mr;
            packA(a, aOff, ars, acs, ia + i, Math.min(mr, mm - i), mr, k, pa, i * k);
          });
      // phase 2: one task per column block (and row group, when the columns give few tasks)
      int groupPanels = ceilDiv(aPanels, rowGroups(colBlocks, aPanels, pool.threads()));
      int groups = ceilDiv(aPanels, groupPanels);
      pool.parallelFor(
          colBlocks * groups,
          (task, w) -> {
            int j0 = (task % colBlocks) * nc;
            int r0 = (task / colBlocks) * groupPanels * mr;
            block(
                t,
                pa,
                b,
                c,
                cOff + ia * n,
                n,
                k,
                r0,
                Math.min(groupPanels * mr, mm - r0),
                j0,
                Math.min(nc, n - j0),
                nr,
                accumulate);
          });
    }
  }

  /**
   * Computes C[i0..i0+mc, j0..j0+nc] of a row chunk: for each pass of k, packs the B panels of
   * these columns into this thread's buffer (small enough to stay in L2 while the rows' A panels
   * stream past them), then runs the tiles.
   */
  private static void block(
      GemmTiling t,
      float[] pa,
      BSource b,
      float[] c,
      int cOff,
      int n,
      int k,
      int i0,
      int mc,
      int j0,
      int nc,
      int nr,
      boolean accumulate) {
    int mr = t.mr();
    int passes = ceilDiv(k, t.kc());
    int step = ceilDiv(k, passes);
    int panels = ceilDiv(nc, nr);
    Scratch s = SCRATCH.get();
    // the panels start on a cache line (AlignedFloats), so that no vector load of B spans two
    int b0 = AlignedFloats.START;
    s.b = AlignedFloats.atLeast(s.b, panels * nr * step);
    float[] pb = s.b;
    float[] tile = TILE.get();
    for (int p0 = 0; p0 < k; p0 += step) {
      int kc = Math.min(step, k - p0);
      BSource from = b.from(p0);
      for (int q = 0; q < panels; q++) {
        packB(from, kc, j0 + q * nr, Math.min(nr, nc - q * nr), nr, pb, b0 + q * nr * kc);
      }
      boolean overwrite = p0 == 0 && !accumulate;
      for (int ir = 0; ir < mc; ir += mr) {
        int rows = Math.min(mr, mc - ir);
        int aBase = (i0 + ir) * k + p0 * mr;
        for (int q = 0; q < panels; q++) {
          int jr = q * nr;
          int cols = Math.min(nr, nc - jr);
          int bBase = b0 + jr * kc;
          int cAt = cOff + (i0 + ir) * n + j0 + jr;
          if (rows == mr && cols == nr) {
            tile(mr, nr, pa, aBase, pb, bBase, kc, c, cAt, n, overwrite);
          } else {
            if (!overwrite) {
              for (int r = 0; r < rows; r++) {
                System.arraycopy(c, cAt + r * n, tile, r * nr, cols);
              }
            }
            tile(mr, nr, pa, aBase, pb, bBase, kc, tile, 0, nr, overwrite);
            for (int r = 0; r < rows; r++) {
              System.arraycopy(tile, r * nr, c, cAt + r * n, cols);
            }
          }
        }
      }
    }
  }

  /** The micro-kernel for {@code mr} rows (6 or 8) and panels {@code nr} columns wide. */
  private static void tile(
      int mr,
      int nr,
      float[] pa,
      int aBase,
      float[] pb,
      int bBase,
      int kc,
      float[] c,
      int cOff,
      int ldc,
      boolean overwrite) {
    if (nr == L) {
      if (mr == 8) {
        GemmMicroKernel.tileNarrow8(pa, aBase, pb, bBase, kc, c, cOff, ldc, overwrite);
      } else {
        GemmMicroKernel.tileNarrow(pa, aBase, pb, bBase, kc, c, cOff, ldc, overwrite);
      }
    } else if (mr == 8) {
      GemmMicroKernel.tile8x3(pa, aBase, pb, bBase, kc, c, cOff, ldc, overwrite);
    } else {
      GemmMicroKernel.tile(pa, aBase, pb, bBase, kc, c, cOff, ldc, overwrite);
    }
  }

  /** Packs rows i0..i0+rows of A (all of k) as one mr-row panel: dst[at + p*mr + r]. */
  private static void packA(
      float[] a, int aOff, int rs, int cs, int i0, int rows, int mr, int k, float[] dst, int at) {
    int p0 = 0;
    if (GemmTranspose.AVAILABLE && cs == 1 && rows == 8 && mr == 8) {
      // rows contiguous in k (A[m,k]): 8 x 16 transposes in registers, the tail of k below
      p0 = k - k % GemmTranspose.W;
      GemmTranspose.pack8Rows(a, aOff + i0 * rs, rs, p0, dst, at);
    } else if (rs == 1 && rows == 8 && mr == 8) {
      // columns contiguous in m (A[k,m] read transposed): 8 floats per step of k, one 256-bit copy
      for (p0 = 0; p0 < k; p0++) {
        FloatVector.fromArray(EIGHT, a, aOff + p0 * cs + i0).intoArray(dst, at + p0 * 8);
      }
    }
    for (int p = p0; p < k; p++) {
      int src = aOff + p * cs + i0 * rs;
      for (int r = 0; r < rows; r++) {
        dst[at + p * mr + r] = a[src + r * rs];
      }
    }
    for (int r = rows; r < mr; r++) {
      for (int p = 0; p < k; p++) {
        dst[at + p * mr + r] = 0f;
      }
    }
  }

  /** Packs columns j..j+cols of B (all of k) as one nr-column panel: dst[at + p*nr + q]. */
  private static void packB(BSource b, int k, int j, int cols, int nr, float[] dst, int at) {
    if (b.f32() != null && b.cs() == 1) {
      float[] src = b.f32();
      for (int p = 0; p < k; p++) {
        int from = (int) b.off() + p * b.rs() + j;
        int to = at + p * nr;
        if (cols == nr) {
          for (int v = 0; v < nr; v += L) {
            FloatVector.fromArray(S, src, from + v).intoArray(dst, to + v);
          }
        } else {
          for (int q = 0; q < cols; q++) {
            dst[to + q] = src[from + q];
          }
        }
      }
    } else if (b.f32() != null) {
      float[] src = b.f32();
      int rs = b.rs();
      int cs = b.cs();
      int from = (int) b.off() + j * cs;
      if (rs == 1) {
        // B[n,k] (forward layout): each row's next L values of k (one vector load) are scattered
        // down the panel's column; the tail of k goes element by element. Reading rows whole
        // beats gathering across rows k floats apart, which hits one cache set when k is a
        // multiple of 1024 (packing-bound products ran 1.3-2.8x slower, measured).
        int[] down = SCATTER[nr / L];
        int kv = k - k % L;
        int q0 = 0;
        if (GemmTranspose.AVAILABLE) {
          // whole groups of 16 rows go through 16 x 16 transposes in registers
          for (; q0 + GemmTranspose.W <= cols; q0 += GemmTranspose.W) {
            GemmTranspose.pack16Rows(src, from + q0 * cs, cs, kv, nr, dst, at + q0);
            for (int q = q0; q < q0 + GemmTranspose.W; q++) {
              for (int p = kv; p < k; p++) {
                dst[at + p * nr + q] = src[from + q * cs + p];
              }
            }
          }
        }
        for (int q = q0; q < cols; q++) {
          int f = from + q * cs;
          for (int p = 0; p < kv; p += L) {
            FloatVector.fromArray(S, src, f + p).intoArray(dst, at + p * nr + q, down, 0);
          }
          for (int p = kv; p < k; p++) {
            dst[at + p * nr + q] = src[f + p];
          }
        }
      } else {
        for (int p = 0; p < k; p++) {
          int to = at + p * nr;
          int f = from + p * rs;
          for (int q = 0; q < cols; q++) {
            dst[to + q] = src[f + q * cs];
          }
        }
      }
    } else if (b.bf16() != null || b.seg() != null) {
      // bf16 on the heap or in a segment, as the f32 rows above: each row's L-wide chunks widened
      // in registers, then transposed (whole groups of 16 rows) or scattered down the panel
      int[] down = SCATTER[nr / L];
      int kv = k - k % L;
      int w = GemmTranspose.AVAILABLE ? GemmTranspose.W : 1;
      float[] rows = WIDENED.get();
      if (rows.length < w * kv) {
        rows = new float[w * kv];
        WIDENED.set(rows);
      }
      int q0 = 0;
      if (GemmTranspose.AVAILABLE) {
        // whole groups of 16 rows: widened into an L1-sized buffer, then transposed in registers
        for (; q0 + w <= cols; q0 += w) {
          widenRows(b, j + q0, w, kv, rows);
          GemmTranspose.pack16Rows(rows, 0, kv, kv, nr, dst, at + q0);
        }
      }
      for (int q = q0; q < cols; q++) {
        widenRows(b, j + q, 1, kv, rows);
        for (int p = 0; p < kv; p += L) {
          FloatVector.fromArray(S, rows, p).intoArray(dst, at + p * nr + q, down, 0);
        }
      }
      for (int q = 0; q < cols; q++) {
        long f = b.off() + (long) (j + q) * b.cs();
        for (int p = kv; p < k; p++) {
          dst[at + p * nr + q] = bf16At(b, f + p);
        }
      }
    } else if (b.blocks() instanceof Q8Matrix w) {
      BlockPanels.packQ8(w, b, k, j, cols, nr, dst, at);
    } else if (b.blocks() instanceof Q4Matrix w) {
      BlockPanels.packQ4(w, b, k, j, cols, nr, dst, at);
    }
    if (cols < nr) {
      for (int p = 0; p < k; p++) {
        for (int q = cols; q < nr; q++) {
          dst[at + p * nr + q] = 0f;
        }
      }
    }
  }

  /**
   * Rows {@code [row0, row0+count)} of a bf16 B (array or segment), their first {@code kv} values
   * widened to f32 into {@code out} (count, kv). The array and the segment loads are separate call
   * sites: one site fed both a heap and a mapped segment runs at half the speed.
   */
  private static void widenRows(BSource b, int row0, int count, int kv, float[] out) {
    short[] src = b.bf16();
    MemorySegment seg = b.seg();
    for (int q = 0; q < count; q++) {
      long f = b.off() + (long) (row0 + q) * b.cs();
      if (src != null) {
        for (int p = 0; p < kv; p += L) {
          MatVec.widen(ShortVector.fromArray(MatVec.H, src, (int) f + p))
              .intoArray(out, q * kv + p);
        }
      } else {
        for (int p = 0; p < kv; p += L) {
          MatVec.widen(
                  ShortVector.fromMemorySegment(
                      MatVec.H, seg, 2 * (f + p), java.nio.ByteOrder.LITTLE_ENDIAN))
              .intoArray(out, q * kv + p);
        }
      }
    }
  }

  /** Element {@code i} of a bf16 B (array or segment), widened. */
  private static float bf16At(BSource b, long i) {
    int bits = b.bf16() != null ? b.bf16()[(int) i] : b.seg().get(BF16, 2 * i);
    return Float.intBitsToFloat(bits << 16);
  }
}
