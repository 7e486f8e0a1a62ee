package dev.lathe.testkit;

/** Chat JSONL contents that tests of several modules train on. */
public final class ChatFiles {
  private ChatFiles() {}

  /** Three ordinary story answers: validation data of another distribution than {@link #noise}. */
  public static final String STORIES =
      chat("Tell me something.", "Once upon a time there was a little dog named Max.")
          + chat("Tell me something.", "Lily went to the park with her mom and saw a bird.")
          + chat("Tell me something.", "The cat was happy because it found a big red ball.");

  /** One chat line: a user question and its assistant answer. */
  public static String chat(String question, String answer) {
    return "{\"messages\":[{\"role\":\"user\",\"content\":\""
        + question
        + "\"},{\"role\":\"assistant\",\"content\":\""
        + answer
        + "\"}]}\n";
  }

  /**
   * {@code examples} chat lines answering "Tell me something." with 24 random lower-case letters
   * ({@code seed} fixes them): trained at a high rate, a story model's loss on {@link #STORIES}
   * turns up after the first epoch.
   */
  public static String noise(int examples, long seed) {
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < examples; i++) {
      StringBuilder noise = new StringBuilder();
      for (int c = 0; c < 24; c++) {
        noise.append((char) ('a' + random.nextInt(26)));
      }
      lines.append(chat("Tell me something.", noise.toString()));
    }
    return lines.toString();
  }

  /**
   * {@code examples} chat lines whose user question (about 660 TinyStories tokens) is longer than
   * TinyStories-656K's 512-token context, so truncation leaves no answer token to train: lines 1 to
   * {@code examples} train nothing.
   */
  public static String questionsLongerThanTinyStoriesContext(int examples) {
    String question = "Once upon a time there was a little dog who liked to play in the park. ";
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < examples; i++) {
      lines.append(
          "{\"messages\":[{\"role\":\"user\",\"content\":\""
              + question.repeat(60)
              + "\"},{\"role\":\"assistant\",\"content\":\"Woof "
              + i
              + "\"}]}\n");
    }
    return lines.toString();
  }
}
