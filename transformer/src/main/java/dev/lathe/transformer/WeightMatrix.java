package dev.lathe.transformer;

import dev.lathe.tensor.BatchMatVec;
import dev.lathe.tensor.Bf16;
import dev.lathe.tensor.BlockMatrix;
import dev.lathe.tensor.ComputePool;
import dev.lathe.tensor.FusedMatVec;
import dev.lathe.tensor.Gemm;
import dev.lathe.tensor.Q4Matrix;
import dev.lathe.tensor.Q8Matrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight matrix [rows, cols] as the inference path holds it in memory: f32, bf16 widened to f32
 * as the matmul kernels read it, or a GGUF block format: Q8_0 ({@link Q8Matrix}) or Q4_0 ({@link
 * Q4Matrix}). A bf16 matrix halves the bytes each decode step streams from memory; its products
 * equal those of the f32 matrix holding the same (rounded) values. A Q8_0 matrix streams a bit over
 * a quarter of the f32 bytes, a Q4_0 matrix a seventh. bf16 is held either as a heap array or as a
 * view of a mapped checkpoint ({@link #ofMapped}); every product gives the same bits from either.
 */
final class WeightMatrix {
  private final float[] f32; // (rows, cols) or null
  private final short[] bf16; // (rows, cols) or null
  private final BlockMatrix blocks; // Q8_0 or Q4_0, or null
  private final MemorySegment mapped; // little-endian bf16 (rows, cols) of a mapped file, or null
  final int rows;
  final int cols;

  private static final ValueLayout.OfShort BF16_LE =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private WeightMatrix(float[] f32, short[] bf16, BlockMatrix blocks, int rows, int cols) {
    this(f32, bf16, blocks, null, rows, cols);
  }

  private WeightMatrix(
      float[] f32, short[] bf16, BlockMatrix blocks, MemorySegment mapped, int rows, int cols) {
    this.f32 = f32;
    this.bf16 = bf16;
    this.blocks = blocks;
    this.mapped = mapped;
    this.rows = rows;
    this.cols = cols;
  }

  /**
   * Holds {@code w} (rows, cols) as {@code dtype}: F32 keeps the array, BF16 rounds a copy, Q8_0
   * and Q4_0 quantize a copy, or keep the f32 array when its rows are not whole blocks of 32 (as
   * llama.cpp keeps such tensors in a wider type; stories260K's 172-wide down projection is one).
   */
  static WeightMatrix of(float[] w, int rows, int cols, DType dtype) {
    if ((long) rows * cols != w.length) {
      throw new IllegalArgumentException(
          "weight of " + w.length + " values is not " + rows + " x " + cols);
    }
    return switch (dtype) {
      case F32 -> new WeightMatrix(w, null, null, rows, cols);
      case BF16 -> new WeightMatrix(null, Bf16.fromFloat(w), null, rows, cols);
      case Q8_0, Q4_0 ->
          cols % BlockMatrix.BLOCK != 0
              ? new WeightMatrix(w, null, null, rows, cols)
              : ofBlocks(
                  dtype == DType.Q4_0
                      ? Q4Matrix.quantize(w, rows, cols)
                      : Q8Matrix.quantize(w, rows, cols));
      case F16 ->
          throw new IllegalArgumentException(
              "weights can be held in memory as F32, BF16, Q8_0 or Q4_0, not F16");
    };
  }

  /** Holds {@code w} (rows, cols), already bf16, as it is. */
  static WeightMatrix ofBf16(short[] w, int rows, int cols) {
    if ((long) rows * cols != w.length) {
      throw new IllegalArgumentException(
          "weight of " + w.length + " values is not " + rows + " x " + cols);
    }
    return new WeightMatrix(null, w, null, rows, cols);
  }

  /**
   * Holds {@code w}, little-endian bf16 (rows, cols) in a mapped checkpoint, as a view: no copy on
   * the heap; the weights are read from the page cache, shared with any other process mapping the
   * file.
   */
  static WeightMatrix ofMapped(MemorySegment w, int rows, int cols) {
    if (w.byteSize() != 2L * rows * cols) {
      throw new IllegalArgumentException(
          "mapped bf16 weight of " + w.byteSize() + " bytes is not " + rows + " x " + cols);
    }
    return new WeightMatrix(null, null, null, w, rows, cols);
  }

  /** Holds a block-format matrix (e.g. a GGUF Q8_0 or Q4_0 tensor's blocks) as it is. */
  static WeightMatrix ofBlocks(BlockMatrix w) {
    return new WeightMatrix(null, null, w, w.rows(), w.cols());
  }

  /** The element type held. */
  DType dtype() {
    if (f32 != null) {
      return DType.F32;
    }
    if (bf16 != null || mapped != null) {
      return DType.BF16;
    }
    return blocks instanceof Q4Matrix ? DType.Q4_0 : DType.Q8_0;
  }

  /**
   * The bf16 values held, or null when not held in bf16: the heap array itself, or a heap copy of a
   * mapped matrix (for training, which keeps its base in arrays).
   */
  short[] bf16() {
    return mapped != null ? mapped.toArray(BF16_LE) : bf16;
  }

  /** Whether the values are a view of a mapped file rather than held on the heap. */
  boolean isMapped() {
    return mapped != null;
  }

  /** Bytes of the values the products read (on the heap, or mapped). */
  long bytes() {
    return f32 != null
        ? 4L * f32.length
        : bf16 != null ? 2L * bf16.length : mapped != null ? mapped.byteSize() : blocks.bytes();
  }

  /**
   * {@code out = in · Wᵀ} on the common compute pool.
   *
   * <pre>
   * // out: (N, rows) at outOff   in: (N, cols) at inOff
   * </pre>
   */
  void mulNT(float[] in, int inOff, float[] out, int outOff, int n) {
    if (f32 != null) {
      Gemm.mulNT(in, inOff, f32, 0, out, outOff, n, rows, cols, false);
    } else if (blocks != null && n == 1) {
      blocks.mulNT(ComputePool.common(), in, inOff, out, outOff, 1);
    } else if (blocks != null) {
      Gemm.mulNTRows(ComputePool.common(), in, inOff, blocks, out, outOff, n);
    } else if (mapped != null) {
      Gemm.mulNT(in, inOff, mapped, 0, out, outOff, n, rows, cols, false);
    } else {
      Gemm.mulNT(in, inOff, bf16, 0, out, outOff, n, rows, cols, false);
    }
  }

  /**
   * {@code ya = a · x}, {@code yb = b · x} and, when {@code c} is not null, {@code yc = c · x} for
   * one row x (a decode step): one parallel loop over all their rows when they hold the same type
   * and width ({@link FusedMatVec}, {@link BlockMatrix#mulNT(ComputePool, float[], int,
   * BlockMatrix, float[], BlockMatrix, float[], BlockMatrix, float[])}), otherwise one product
   * each. The bits are those of {@link #mulNT} either way.
   */
  static void mulFused(
      float[] x,
      WeightMatrix a,
      float[] ya,
      WeightMatrix b,
      float[] yb,
      WeightMatrix c,
      float[] yc) {
    ComputePool pool = ComputePool.common();
    if (!Gemm.simd() || !alike(a, b, c)) {
      a.mulNT(x, 0, ya, 0, 1);
      b.mulNT(x, 0, yb, 0, 1);
      if (c != null) {
        c.mulNT(x, 0, yc, 0, 1);
      }
    } else if (a.f32 != null) {
      FusedMatVec.mulNT(
          pool,
          x,
          0,
          a.cols,
          a.f32,
          ya,
          a.rows,
          b.f32,
          yb,
          b.rows,
          c == null ? null : c.f32,
          yc,
          c == null ? 0 : c.rows);
    } else if (a.bf16 != null) {
      FusedMatVec.mulNT(
          pool,
          x,
          0,
          a.cols,
          a.bf16,
          ya,
          a.rows,
          b.bf16,
          yb,
          b.rows,
          c == null ? null : c.bf16,
          yc,
          c == null ? 0 : c.rows);
    } else if (a.mapped != null) {
      FusedMatVec.mulNT(
          pool,
          x,
          0,
          a.cols,
          a.mapped,
          ya,
          a.rows,
          b.mapped,
          yb,
          b.rows,
          c == null ? null : c.mapped,
          yc,
          c == null ? 0 : c.rows);
    } else {
      BlockMatrix.mulNT(pool, x, 0, a.blocks, ya, b.blocks, yb, c == null ? null : c.blocks, yc);
    }
  }

  /**
   * {@code out = in · Wᵀ} for the rows of prompts prefilled together: the packed product for any
   * {@code m}, one row included, so each row's bits do not depend on how many rows came with it.
   *
   * <pre>
   * // out: (M, rows)   in: (M, cols)
   * </pre>
   */
  void mulPrompt(float[] in, float[] out, int m) {
    ComputePool pool = ComputePool.common();
    if (f32 != null) {
      Gemm.mulNTRows(pool, in, 0, f32, 0, out, 0, m, rows, cols);
    } else if (bf16 != null) {
      Gemm.mulNTRows(pool, in, 0, bf16, 0, out, 0, m, rows, cols);
    } else if (mapped != null) {
      Gemm.mulNTRows(pool, in, 0, mapped, 0, out, 0, m, rows, cols);
    } else {
      Gemm.mulNTRows(pool, in, 0, blocks, out, 0, m);
    }
  }

  /**
   * {@code out = in · Wᵀ} for the rows of a batched decode step, each row's bits independent of the
   * batch ({@link dev.lathe.tensor.BatchMatVec}; Q8_0 and Q4_0 by their own product, whose rows are
   * computed alike whatever their number).
   *
   * <pre>
   * // out: (M, rows)   in: (M, cols)
   * </pre>
   */
  void mulRows(float[] in, float[] out, int m) {
    ComputePool pool = ComputePool.common();
    if (f32 != null) {
      BatchMatVec.mulNT(pool, in, 0, f32, out, 0, m, rows, cols);
    } else if (bf16 != null) {
      BatchMatVec.mulNT(pool, in, 0, bf16, out, 0, m, rows, cols);
    } else if (mapped != null) {
      BatchMatVec.mulNT(pool, in, 0, mapped, out, 0, m, rows, cols);
    } else {
      blocks.mulNT(pool, in, 0, out, 0, m);
    }
  }

  /**
   * {@code y = in · Wᵀ}, {@code yb = in · bᵀ} and, when {@code c} is not null, {@code yc = in · cᵀ}
   * for the rows of a batched decode step: one parallel loop over all their weight rows when they
   * hold the same type (f32 or bf16) and width, otherwise one {@link #mulRows} each. The bits are
   * those of {@link #mulRows} either way.
   */
  void mulRowsWith(
      float[] in, int m, float[] y, WeightMatrix b, float[] yb, WeightMatrix c, float[] yc) {
    WeightMatrix a = this;
    float[] ya = y;
    if (a.blocks != null || !alike(a, b, c)) {
      a.mulRows(in, ya, m);
      b.mulRows(in, yb, m);
      if (c != null) {
        c.mulRows(in, yc, m);
      }
    } else {
      BatchMatVec.Fused f = BatchMatVec.fused();
      a.addTo(f, ya);
      b.addTo(f, yb);
      if (c != null) {
        c.addTo(f, yc);
      }
      f.run(ComputePool.common(), in, 0, m, a.cols);
    }
  }

  /**
   * Whether b and, when not null, c hold the same type and width as a, and are alike on the heap or
   * mapped (one fused loop serves).
   */
  private static boolean alike(WeightMatrix a, WeightMatrix b, WeightMatrix c) {
    return b.cols == a.cols
        && b.dtype() == a.dtype()
        && b.isMapped() == a.isMapped()
        && (c == null
            || (c.cols == a.cols && c.dtype() == a.dtype() && c.isMapped() == a.isMapped()));
  }

  /** Adds {@code y = in · Wᵀ} to a fused batched product (W f32 or bf16, held or mapped). */
  private void addTo(BatchMatVec.Fused f, float[] y) {
    if (f32 != null) {
      f.add(f32, y, rows);
    } else if (mapped != null) {
      f.add(mapped, y, rows);
    } else {
      f.add(bf16, y, rows);
    }
  }

  /** Writes row {@code r} widened to f32 into {@code dst[dstOff .. dstOff+cols)}. */
  void row(int r, float[] dst, int dstOff) {
    if (f32 != null) {
      System.arraycopy(f32, r * cols, dst, dstOff, cols);
    } else if (blocks != null) {
      blocks.row(r, dst, dstOff);
    } else if (mapped != null) {
      long at = 2L * r * cols;
      for (int i = 0; i < cols; i++) {
        dst[dstOff + i] = Float.intBitsToFloat(mapped.get(BF16_LE, at + 2L * i) << 16);
      }
    } else {
      Bf16.toFloat(bf16, r * cols, dst, dstOff, cols);
    }
  }

  /** The values as f32: the held array itself when f32, otherwise a widened copy. */
  float[] toF32() {
    return f32 != null
        ? f32
        : bf16 != null || mapped != null ? Bf16.toFloat(bf16()) : blocks.toF32();
  }

  /**
   * Gathers the rows of {@code tokens[offset .. offset+t)} into {@code x} (T, cols), checking each
   * token id against the row count.
   */
  void embed(float[] x, int[] tokens, int offset, int t) {
    embed(x, 0, tokens, offset, t);
  }

  /** The same into rows {@code xRow ..} of x. */
  void embed(float[] x, int xRow, int[] tokens, int offset, int t) {
    for (int i = 0; i < t; i++) {
      int tok = tokens[offset + i];
      if (tok < 0 || tok >= rows) {
        throw new IllegalArgumentException(
            "token id "
                + tok
                + " is outside the vocabulary [0, "
                + rows
                + ") at index "
                + (offset + i));
      }
      row(tok, x, (xRow + i) * cols);
    }
  }
}
