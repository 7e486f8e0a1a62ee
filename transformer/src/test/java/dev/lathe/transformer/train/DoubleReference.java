package dev.lathe.transformer.train;

import dev.lathe.transformer.DoubleKernels;
import java.util.Map;

/**
 * An independent, naive, double-precision forward for the gradient checks, over named tensors
 * (Hugging Face names; PEFT LoRA tensors {@code base_model.model.<name>.lora_A/B.weight} are added
 * as {@code W + scale·B·A} when present). It handles one example (segment) at a time, so packing
 * and masking are not shared with the engine; a family ({@link DoubleLlama}, {@link DoubleGpt2})
 * writes one example's forward. Its objective {@code Σ_s scale[s] · Σ_t −w_t · log p} (w_t the
 * position's {@link TokenBatch#weight loss weight}, 1 without weights) is what finite differences
 * are taken of.
 */
abstract class DoubleReference {
  final Map<String, double[]> t;
  private final double loraScale;

  DoubleReference(Map<String, double[]> tensors, double loraScale) {
    this.t = tensors;
    this.loraScale = loraScale;
  }

  /** Per segment: Σ w · log p(target) over its trained positions. */
  final double[] segmentLogProbs(TokenBatch b) {
    double[] out = new double[b.segmentCount()];
    int T = b.seqLen();
    for (int r = 0; r < b.rows(); r++) {
      int i = 0;
      while (i < T) {
        int seg = b.segments()[r * T + i];
        int j = i;
        while (j < T && b.segments()[r * T + j] == seg) {
          j++;
        }
        if (seg >= 0) {
          out[seg] += example(b, r * T + i, j - i);
        }
        i = j;
      }
    }
    return out;
  }

  /** The objective Σ_s scale[s] · (−Σ log p). */
  final double loss(TokenBatch b, float[] scale) {
    double[] lp = segmentLogProbs(b);
    double s = 0;
    for (int i = 0; i < lp.length; i++) {
      s -= scale[i] * lp[i];
    }
    return s;
  }

  /** Σ log p(target) of one example occupying batch positions [start, start + len). */
  abstract double example(TokenBatch b, int start, int len);

  /** {@code W x + b} (the bias when the tensors have one) plus the LoRA term when present. */
  final double[] linear(String name, double[] x) {
    double[] y = DoubleKernels.affine(t.get(name + ".weight"), t.get(name + ".bias"), x);
    double[] a = t.get("base_model.model." + name + ".lora_A.weight");
    if (a != null) {
      double[] xa = DoubleKernels.matvec(a, x); // (r)
      double[] ba = DoubleKernels.matvec(t.get("base_model.model." + name + ".lora_B.weight"), xa);
      for (int i = 0; i < y.length; i++) {
        y[i] += loraScale * ba[i];
      }
    }
    return y;
  }

  /**
   * Σ w · log p(target) over the trained positions of one example, the logits of position {@code i}
   * being {@code head · norm(x[i])}.
   */
  final double headLogProbs(
      TokenBatch b,
      int start,
      double[][] x,
      double[] head,
      java.util.function.UnaryOperator<double[]> norm) {
    double total = 0;
    for (int i = 0; i < x.length; i++) {
      int target = b.targets()[start + i];
      if (target < 0) {
        continue;
      }
      total +=
          b.weight(start + i)
              * DoubleKernels.logProb(DoubleKernels.matvec(head, norm.apply(x[i])), target);
    }
    return total;
  }
}
