package dev.lathe.finetune.tasks;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A label classification: a sentence about what someone did to a thing in, the feeling it implies
 * ({@code happy}, {@code sad} or {@code scared}) out. The score is the label accuracy.
 *
 * <p>Each label is one token of the TinyStories vocabulary. {@code angry} was the third label at
 * first, but that vocabulary holds it only with a leading word marker, so as an answer it is split
 * into pieces whose first is shared with many other words: no run ever produced it, while {@code
 * happy} and {@code sad} were learnt.
 */
public final class LabelTask extends OneTurnTask {
  private record Event(String verb, String label) {}

  private static final List<Event> EVENTS =
      List.of(
          new Event("hugged the", "happy"),
          new Event("played with the", "happy"),
          new Event("got a new", "happy"),
          new Event("lost the", "sad"),
          new Event("broke the", "sad"),
          new Event("cried over the", "sad"),
          new Event("ran from the", "scared"),
          new Event("hid from the", "scared"),
          new Event("shook at the", "scared"));

  @Override
  public String name() {
    return "label";
  }

  @Override
  public String measure() {
    return "label accuracy";
  }

  @Override
  Turn make(SplittableRandom r, String name, String thing) {
    Event e = EVENTS.get(r.nextInt(EVENTS.size()));
    return new Turn(
        name + " " + e.verb() + " " + thing + ". How does " + name + " feel?", e.label());
  }

  @Override
  public double score(HeldOutPrompt prompt, String answer) {
    String a = answer.strip().toLowerCase(Locale.ROOT);
    if (a.endsWith(".")) {
      a = a.substring(0, a.length() - 1);
    }
    return a.equals(prompt.reference()) ? 1 : 0;
  }
}
