package dev.lathe.finetune.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Story words that the TinyStories vocabulary tokenizes into few pieces, and the seeded choices the
 * generators make from them.
 */
final class Words {
  private Words() {}

  static final List<String> NAMES =
      List.of(
          "Lily", "Tom", "Ben", "Mia", "Sue", "Max", "Sam", "Anna", "Tim", "Lucy", "Jack", "Sara");
  static final List<String> THINGS =
      List.of(
          "ball", "cat", "dog", "car", "cake", "kite", "box", "hat", "tree", "boat", "bird", "book",
          "toy", "fish", "doll", "bike");
  static final List<String> COLORS =
      List.of("red", "blue", "green", "yellow", "pink", "brown", "white", "black");
  static final List<String> PLACES =
      List.of("park", "garden", "house", "school", "beach", "forest");

  static String pick(SplittableRandom r, List<String> words) {
    return words.get(r.nextInt(words.size()));
  }

  /**
   * Name × thing pairs split in two: held-out pairs (at most half of them) and the pairs training
   * and validation examples are drawn from, so a held-out prompt's pair never appears in training.
   */
  record Split(List<String[]> heldOut, List<String[]> seen) {}

  /** Every pair in an order drawn from {@code r}, the first {@code heldOut} held out. */
  static Split split(SplittableRandom r, int heldOut) {
    List<String[]> pairs = shuffledPairs(r);
    int held = Math.min(heldOut, pairs.size() / 2);
    return new Split(pairs.subList(0, held), pairs.subList(held, pairs.size()));
  }

  private static List<String[]> shuffledPairs(SplittableRandom r) {
    List<String[]> pairs = new ArrayList<>();
    for (String n : NAMES) {
      for (String t : THINGS) {
        pairs.add(new String[] {n, t});
      }
    }
    for (int i = pairs.size() - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      String[] tmp = pairs.get(i);
      pairs.set(i, pairs.get(j));
      pairs.set(j, tmp);
    }
    return pairs;
  }
}
