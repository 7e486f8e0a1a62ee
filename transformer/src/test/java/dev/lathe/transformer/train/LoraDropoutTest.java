package dev.lathe.transformer.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.tensor.ComputePool;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The adapter's dropout mask: drawn once per forward (rows in parallel), stored as bits, and the
 * same mask in forward, replay and backward; about a fraction p of the inputs dropped.
 */
class LoraDropoutTest {

  @Test
  void forwardReplayAndBackwardSeeOneMaskDroppingAboutP() {
    int in = 100; // not a multiple of 64: rows end inside a mask word
    int n = 300;
    double p = 0.3;
    try (ComputePool pool = new ComputePool(2)) {
      LoraAdapter lora =
          new LoraAdapter(pool, "m", in, 1, LoraConfig.of(1, 1, p), new SplittableRandom(3));
      Arrays.fill(lora.a.value(), 1f); // A: (1, in) ones
      lora.b.value()[0] = 1f; // B: (1, 1)
      float[] x = new float[n * in];
      Arrays.fill(x, 1f);
      float[] y = new float[n];
      lora.forward(y, x, n, new SplittableRandom(4));
      float[] again = new float[n];
      lora.replay(again, x, n);
      assertThat(again).containsExactly(y);

      float[] dy = new float[n];
      Arrays.fill(dy, 1f);
      float[] dx = new float[n * in];
      lora.backward(dx, dy, x, n);
      float keep = (float) (1 / (1 - p));
      long kept = 0;
      for (int row = 0; row < n; row++) {
        int keptInRow = 0;
        for (int j = 0; j < in; j++) {
          float d = dx[row * in + j];
          assertThat(d).isIn(0f, keep); // dx = scale·dy·B·A through the mask
          keptInRow += d != 0 ? 1 : 0;
        }
        // y = scale · Σ_j mask_j x_j A_j · B: the kept count times 1/(1-p)
        assertThat(y[row]).isCloseTo(keptInRow * keep, org.assertj.core.data.Offset.offset(1e-3f));
        kept += keptInRow;
      }
      assertThat((double) kept / (n * in))
          .isCloseTo(1 - p, org.assertj.core.data.Offset.offset(0.02));

      float[] other = new float[n];
      lora.forward(other, x, n, new SplittableRandom(5));
      assertThat(other).as("another draw, another mask").isNotEqualTo(y);
    }
  }
}
