package dev.lathe.finetune.tasks;

import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * A strict output format: a story sentence in, {@code Name: Lily; Thing: ball; Place: park.} out.
 * The score is the exact format rate (the answer matches the pattern, whatever the words).
 */
public final class StrictFormatTask extends OneTurnTask {
  private static final Pattern FORMAT =
      Pattern.compile("Name: [A-Z][a-z]+; Thing: [a-z]+; Place: [a-z]+\\.");

  @Override
  public String name() {
    return "format";
  }

  @Override
  public String measure() {
    return "exact format rate";
  }

  @Override
  Turn make(SplittableRandom r, String name, String thing) {
    String color = Words.pick(r, Words.COLORS);
    String place = Words.pick(r, Words.PLACES);
    return new Turn(
        name + " saw a " + color + " " + thing + " in the " + place + ".",
        "Name: " + name + "; Thing: " + thing + "; Place: " + place + ".");
  }

  @Override
  public double score(HeldOutPrompt prompt, String answer) {
    return FORMAT.matcher(answer.strip()).matches() ? 1 : 0;
  }
}
