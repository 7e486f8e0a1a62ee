package dev.lathe.transformer;

import dev.lathe.tensor.Rope;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts a Llama-family model between the two RoPE pairings by permuting the rows of every
 * per-head query/key quantity, so that the other rotation computes the same attention:
 *
 * <ul>
 *   <li>{@link Rope.Style#ROTATE_HALF} (Hugging Face): dimension {@code i} of a head pairs with
 *       {@code i + hd/2};
 *   <li>{@link Rope.Style#INTERLEAVED} (Meta's original code, llama2.c, llama.cpp's {@code llama}
 *       architecture): dimension {@code 2i} pairs with {@code 2i+1}.
 * </ul>
 *
 * Within each head, interleaved row {@code 2i} is rotate-half row {@code i} and interleaved row
 * {@code 2i+1} is rotate-half row {@code hd/2 + i}. This is llama.cpp's converter permutation (to
 * interleaved) and its inverse (to rotate-half), in one place for every reader and writer.
 */
public final class RopePairing {
  private RopePairing() {}

  /** {@code w} (of config {@code c}) as a model with {@code target} pairing computes it. */
  public static LlamaWeights convert(LlamaConfig c, LlamaWeights w, Rope.Style target) {
    if (c.ropeStyle() == target) {
      return w;
    }
    boolean toInterleaved = target == Rope.Style.INTERLEAVED;
    int hd = c.headDim();
    int C = c.dim();
    List<LlamaWeights.Layer<float[]>> layers = new ArrayList<>();
    for (LlamaWeights.Layer<float[]> l : w.layers()) {
      layers.add(
          new LlamaWeights.Layer<>(
              l.attnNorm(),
              permuteRows(l.wq(), c.heads(), hd, C, toInterleaved),
              permuteRows(l.wk(), c.kvHeads(), hd, C, toInterleaved),
              l.wv(),
              l.wo(),
              permuteRows(l.bq(), c.heads(), hd, 1, toInterleaved),
              permuteRows(l.bk(), c.kvHeads(), hd, 1, toInterleaved),
              l.bv(),
              l.bo(),
              permuteRows(l.qNorm(), 1, hd, 1, toInterleaved),
              permuteRows(l.kNorm(), 1, hd, 1, toInterleaved),
              l.ffnNorm(),
              l.wGate(),
              l.wUp(),
              l.wDown()));
    }
    return new LlamaWeights(w.tokenEmbedding(), layers, w.finalNorm(), w.classifier());
  }

  /**
   * Rows (heads, hd, width) of {@code a} (null stays null): interleaved row {@code 2i} of a head is
   * rotate-half row {@code i}, interleaved row {@code 2i+1} rotate-half row {@code hd/2 + i}.
   */
  private static float[] permuteRows(
      float[] a, int heads, int hd, int width, boolean toInterleaved) {
    if (a == null) {
      return null;
    }
    float[] out = new float[a.length];
    int half = hd / 2;
    for (int h = 0; h < heads; h++) {
      int base = h * hd;
      for (int i = 0; i < half; i++) {
        int even = (base + 2 * i) * width;
        int odd = (base + 2 * i + 1) * width;
        int first = (base + i) * width;
        int second = (base + half + i) * width;
        if (toInterleaved) {
          System.arraycopy(a, first, out, even, width);
          System.arraycopy(a, second, out, odd, width);
        } else {
          System.arraycopy(a, even, out, first, width);
          System.arraycopy(a, odd, out, second, width);
        }
      }
    }
    return out;
  }
}
