package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bf16 weights read straight from a mapped file: the batched decode tiles, the fused decode
 * mat-vecs and the prompt product over a segment give exactly the bits of the same products over
 * the {@code short[]} holding the same values, on odd sizes and for one and three threads. The
 * segments are slices of a real file mapping at an odd byte offset, as a tensor may sit in a
 * safetensors or GGUF file.
 */
class Bf16SegmentTest {

  @TempDir Path dir;

  private static final int[][] SHAPES = {
    {1, 1, 1},
    {1, 67, 129},
    {3, 7, 33},
    {4, 9, 47},
    {5, 67, 129},
    {8, 133, 96},
    {9, 301, 577},
    {2, 50, 16},
    {17, 50, 33}
  };

  /** {@code w} written little-endian after {@code pad} bytes of a file, mapped, and sliced back. */
  private MemorySegment mapped(Arena arena, short[] w, int pad) throws IOException {
    Path f = Files.createTempFile(dir, "w", ".bin");
    ByteBuffer buf = ByteBuffer.allocate(pad + 2 * w.length).order(ByteOrder.LITTLE_ENDIAN);
    buf.position(pad);
    buf.asShortBuffer().put(w);
    Files.write(f, buf.array());
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena).asSlice(pad);
    }
  }

  @Test
  void batchedTilesOverAMappedSegmentGetTheBitsOfTheArray() throws IOException {
    for (int threads : new int[] {1, 3}) {
      try (ComputePool pool = new ComputePool(threads);
          Arena arena = Arena.ofShared()) {
        for (int[] s : SHAPES) {
          int m = s[0], n = s[1], k = s[2];
          short[] w = Bf16.fromFloat(RandomArrays.uniform(n * 31L + k, n * k, 0.1f));
          MemorySegment seg = mapped(arena, w, 6);
          float[] x = RandomArrays.uniform(m + 7L, 2 + m * k, 1f);
          float[] fromArray = new float[3 + m * n];
          float[] fromSegment = new float[3 + m * n];
          BatchMatVec.mulNT(pool, x, 2, w, fromArray, 3, m, n, k);
          BatchMatVec.mulNT(pool, x, 2, seg, fromSegment, 3, m, n, k);
          assertThat(fromSegment)
              .as("%dx%dx%d threads=%d", m, n, k, threads)
              .containsExactly(fromArray);
        }
      }
    }
  }

  @Test
  void fusedProductsOverMappedSegmentsGetTheBitsOfTheArrays() throws IOException {
    int k = 77;
    int[] ns = {70, 23, 9};
    try (Arena arena = Arena.ofShared()) {
      short[][] w = new short[3][];
      MemorySegment[] seg = new MemorySegment[3];
      for (int i = 0; i < 3; i++) {
        w[i] = Bf16.fromFloat(RandomArrays.uniform(40L + i, ns[i] * k, 0.1f));
        seg[i] = mapped(arena, w[i], 2 * i + 2);
      }
      for (int threads : new int[] {1, 3}) {
        try (ComputePool pool = new ComputePool(threads)) {
          for (int m : new int[] {1, 3, 8, 9}) {
            float[] x = RandomArrays.uniform(m * 3L, m * k, 1f);
            float[][] a = new float[3][];
            float[][] b = new float[3][];
            for (int i = 0; i < 3; i++) {
              a[i] = new float[m * ns[i]];
              b[i] = new float[m * ns[i]];
            }
            BatchMatVec.fused()
                .add(w[0], a[0], ns[0])
                .add(w[1], a[1], ns[1])
                .add(w[2], a[2], ns[2])
                .run(pool, x, 0, m, k);
            BatchMatVec.fused()
                .add(seg[0], b[0], ns[0])
                .add(seg[1], b[1], ns[1])
                .add(seg[2], b[2], ns[2])
                .run(pool, x, 0, m, k);
            for (int i = 0; i < 3; i++) {
              assertThat(b[i]).as("batched part %d m=%d", i, m).containsExactly(a[i]);
            }
          }
          float[] x = RandomArrays.uniform(99, k + 1, 1f);
          float[][] a = {new float[ns[0]], new float[ns[1]], new float[ns[2]]};
          float[][] b = {new float[ns[0]], new float[ns[1]], new float[ns[2]]};
          FusedMatVec.mulNT(pool, x, 1, k, w[0], a[0], ns[0], w[1], a[1], ns[1], w[2], a[2], ns[2]);
          FusedMatVec.mulNT(
              pool, x, 1, k, seg[0], b[0], ns[0], seg[1], b[1], ns[1], seg[2], b[2], ns[2]);
          for (int i = 0; i < 3; i++) {
            assertThat(b[i]).as("decode part %d threads=%d", i, threads).containsExactly(a[i]);
          }
          float[] two = new float[ns[0]];
          FusedMatVec.mulNT(pool, x, 1, k, seg[0], two, ns[0], seg[1], b[1], ns[1], null, null, 0);
          assertThat(two).containsExactly(a[0]);
        }
      }
    }
  }

  @Test
  void promptProductOverAMappedSegmentGetsTheBitsOfTheArray() throws IOException {
    int[][] shapes = {{1, 50, 33}, {3, 67, 129}, {7, 133, 96}, {33, 301, 577}, {64, 200, 64}};
    try (ComputePool pool = new ComputePool(2);
        Arena arena = Arena.ofShared()) {
      for (int[] s : shapes) {
        int m = s[0], n = s[1], k = s[2];
        short[] w = Bf16.fromFloat(RandomArrays.uniform(n * 7L + k, 5 + n * k, 0.1f));
        MemorySegment seg = mapped(arena, w, 10);
        float[] a = RandomArrays.uniform(m + 1L, m * k, 1f);
        float[] fromArray = new float[m * n];
        float[] fromSegment = new float[m * n];
        Gemm.mulNTRows(pool, a, 0, w, 5, fromArray, 0, m, n, k);
        Gemm.mulNTRows(pool, a, 0, seg, 5, fromSegment, 0, m, n, k);
        assertThat(fromSegment).as("%dx%dx%d", m, n, k).containsExactly(fromArray);
      }
    }
  }

  @Test
  void aSegmentTooSmallIsRefusedWithItsSize() throws IOException {
    try (ComputePool pool = new ComputePool(1);
        Arena arena = Arena.ofShared()) {
      MemorySegment seg = mapped(arena, new short[11], 2);
      assertThatThrownBy(
              () -> BatchMatVec.mulNT(pool, new float[4], 0, seg, new float[3], 0, 1, 3, 4))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("W holds 11 for 3 x 4");
    }
  }
}
