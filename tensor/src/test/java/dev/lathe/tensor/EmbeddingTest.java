package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EmbeddingTest {

  @Test
  void vectorPathIsBitIdenticalToScalarWithAndWithoutPositions() {
    for (int c : RandomArrays.ODD_SIZES) {
      float[] wte = RandomArrays.uniform(c, 5 * c, 1f);
      float[] wpe = RandomArrays.uniform(c + 1, 6 * c, 1f);
      int[] tokens = {9, 4, 0, 2};
      for (float[] positions : new float[][] {null, wpe}) {
        float[] s = new float[3 * c];
        float[] v = new float[3 * c];
        Embedding.forwardScalar(s, tokens, 1, 3, wte, positions, 2, c);
        Embedding.forwardVector(v, tokens, 1, 3, wte, positions, 2, c);
        assertThat(v).as("C=%d", c).containsExactly(s);
        float expected = wte[2 * c + c - 1] + (positions == null ? 0 : wpe[4 * c + c - 1]);
        assertThat(s[3 * c - 1]).isEqualTo(expected);
      }
    }
  }

  @Test
  void tokenOutsideTheVocabularyIsAClearError() {
    assertThatThrownBy(
            () -> Embedding.forward(new float[2], new int[] {3}, 0, 1, new float[6], null, 0, 2))
        .hasMessageContaining("token id 3 is outside the vocabulary [0, 3)");
  }
}
