package dev.lathe.finetune.tasks;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A tone shift: every answer is excited, opening with "Wow!" and made only of a few exclamations.
 * The score is the style-marker rate: opens with "Wow!", ends with "!", two to four exclamation
 * marks (a model stuck repeating "Wow!" does not pass) and no "." or "?".
 */
public final class StyleTask extends OneTurnTask {
  private static final List<String> CLOSINGS = List.of("So fun!", "Yay!", "How happy!");

  @Override
  public String name() {
    return "style";
  }

  @Override
  public String measure() {
    return "style-marker rate";
  }

  @Override
  Turn make(SplittableRandom r, String name, String thing) {
    String color = Words.pick(r, Words.COLORS);
    return new Turn(
        "Tell me about " + name + " and the " + color + " " + thing + ".",
        "Wow! " + name + " has a " + color + " " + thing + "! " + Words.pick(r, CLOSINGS));
  }

  @Override
  public double score(HeldOutPrompt prompt, String answer) {
    String a = answer.strip();
    long marks = a.chars().filter(c -> c == '!').count();
    boolean marked = a.startsWith("Wow!") && a.endsWith("!") && marks >= 2 && marks <= 4;
    return marked && a.indexOf('.') < 0 && a.indexOf('?') < 0 ? 1 : 0;
  }
}
