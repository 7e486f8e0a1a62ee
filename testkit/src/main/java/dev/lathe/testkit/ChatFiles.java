package dev.lathe.testkit;

/** Chat JSONL contents that tests of several modules train on. */
public final class ChatFiles {
  private ChatFiles() {}

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
