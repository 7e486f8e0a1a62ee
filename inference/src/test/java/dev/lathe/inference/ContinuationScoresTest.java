package dev.lathe.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.SharedAssets;
import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.LanguageModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The continuation a real model (TinyStories-656K) finds likeliest, checked against an independent
 * computation: each candidate scored on a fresh cache by running the prompt and then the candidate
 * one token at a time, summing log-softmax in double, no cache reuse.
 */
class ContinuationScoresTest {

  @Test
  void theLikeliestContinuationIsTheOneWithTheHighestSummedLogProbability() throws Exception {
    try (ChatModel m =
        ChatModel.open(
            SharedAssets.require("models/hf-TinyStories-656K").toString(),
            Optional.empty(),
            null)) {
      LanguageModel model = m.model();
      int[] prompt = m.prompts().prompt("Once upon a");
      List<String> texts =
          List.of(" xylophone lemonade", " time, there was", " zebra quantum", " time");
      List<int[]> candidates = new ArrayList<>();
      for (String t : texts) {
        candidates.add(m.tokenizer().encode(t));
      }
      int chosen = ContinuationScores.mostLikely(model, prompt, candidates);

      double[] independent = new double[candidates.size()];
      int best = 0;
      for (int i = 0; i < candidates.size(); i++) {
        independent[i] = score(model, prompt, candidates.get(i));
        if (independent[i] > independent[best]) {
          best = i;
        }
      }
      assertThat(chosen).as("scores %s", java.util.Arrays.toString(independent)).isEqualTo(best);
      // a story model prefers the story opening to nonsense; the longer " time, there was"
      // sums more negative terms than " time" alone
      assertThat(texts.get(chosen)).isEqualTo(" time");
      assertThat(independent[1]).isGreaterThan(independent[0]);
      assertThat(independent[1]).isGreaterThan(independent[2]);
    }
  }

  @Test
  void emptyInputsAreRefused() {
    assertThatThrownBy(() -> ContinuationScores.mostLikely(null, new int[0], List.of(new int[1])))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ContinuationScores.mostLikely(null, new int[] {1}, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Sum of log p(c[t] | prompt, c[..t]) on a fresh cache, log-softmax in double. */
  private static double score(LanguageModel model, int[] prompt, int[] c) {
    KvCache cache = model.newCache(prompt.length + c.length);
    float[] logits = new float[model.vocabularySize()];
    model.forward(prompt, 0, prompt.length, cache, logits);
    double sum = 0;
    for (int t = 0; t < c.length; t++) {
      double max = Double.NEGATIVE_INFINITY;
      for (float v : logits) {
        max = Math.max(max, v);
      }
      double z = 0;
      for (float v : logits) {
        z += Math.exp(v - max);
      }
      sum += logits[c[t]] - max - Math.log(z);
      model.forward(c, t, 1, cache, logits);
    }
    return sum;
  }
}
