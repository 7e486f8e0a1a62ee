package dev.lathe.finetune.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A task of one user turn and one assistant answer per example, built around a name × thing pair:
 * held-out prompts use pairs that no training or validation example uses.
 */
abstract class OneTurnTask implements SuiteTask {

  /** One example: the user's message and the answer the task teaches. */
  record Turn(String user, String assistant) {}

  /** The example for {@code name} and {@code thing}, other words drawn from {@code r}. */
  abstract Turn make(SplittableRandom r, String name, String thing);

  @Override
  public TaskData generate(long seed, Sizes sizes) {
    SplittableRandom r = new SplittableRandom(seed);
    Words.Split pairs = Words.split(r, sizes.heldOut());
    List<HeldOutPrompt> heldOut = new ArrayList<>();
    for (String[] p : pairs.heldOut()) {
      Turn t = make(r, p[0], p[1]);
      heldOut.add(HeldOutPrompt.ofUser(t.user(), t.assistant()));
    }
    return new TaskData(
        lines(r, pairs.seen(), sizes.train()), lines(r, pairs.seen(), sizes.valid()), heldOut);
  }

  private List<String> lines(SplittableRandom r, List<String[]> pairs, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String[] p = pairs.get(r.nextInt(pairs.size()));
      Turn t = make(r, p[0], p[1]);
      out.add(new ChatLine().user(t.user()).assistant(t.assistant()).json());
    }
    return out;
  }
}
