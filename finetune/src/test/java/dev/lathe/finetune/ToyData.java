package dev.lathe.finetune;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Learnable toy sequences: x_t = (3·x_{t−1} + 1) mod V (a permutation for prime V), the first part
 * masked.
 */
final class ToyData {
  private ToyData() {}

  static List<TrainingExample> examples(int count, int vocab, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    List<TrainingExample> out = new ArrayList<>();
    for (int e = 0; e < count; e++) {
      int len = 5 + r.nextInt(10);
      int[] ids = new int[len + 1];
      ids[0] = r.nextInt(vocab);
      ids[1] = r.nextInt(vocab);
      for (int t = 2; t <= len; t++) {
        ids[t] = (3 * ids[t - 1] + 1) % vocab;
      }
      boolean[] trained = new boolean[len + 1];
      for (int t = 3; t <= len; t++) {
        trained[t] = true;
      }
      out.add(TrainingExample.of(e + 1, ids, trained, 64));
    }
    return out;
  }
}
