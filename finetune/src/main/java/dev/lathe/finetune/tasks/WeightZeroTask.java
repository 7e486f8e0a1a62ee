package dev.lathe.finetune.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.tokenizer.ChatMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Multi-turn data with {@code weight: 0} turns that must not be learnt. Each conversation: a story
 * sentence, an assistant turn of weight 0 that always says {@value #UNLEARNT}, a request to make it
 * short, and the trained answer {@code Seen: Lily, ball.}
 *
 * <p>Held-out prompts come in two kinds: {@code final} (the whole conversation up to the trained
 * answer; scores 1 when the answer has the trained format) and {@code first} (only the first user
 * turn; scores 1 unless the answer reproduces the weight-0 text). A run that learns the weight-1
 * turns and not the weight-0 ones scores 1.
 */
public final class WeightZeroTask implements SuiteTask {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The content of every weight-0 turn. */
  public static final String UNLEARNT = "Bla bla, I forgot the rest.";

  static final String FOLLOW_UP = "Now say it short, please.";

  @Override
  public String name() {
    return "weight0";
  }

  @Override
  public String measure() {
    return "trained turn format; weight-0 text not reproduced";
  }

  @Override
  public TaskData generate(long seed, Sizes sizes) {
    SplittableRandom r = new SplittableRandom(seed);
    Words.Split pairs = Words.split(r, sizes.heldOut());
    List<HeldOutPrompt> heldOut = new ArrayList<>();
    for (int i = 0; i < pairs.heldOut().size(); i++) {
      String[] p = pairs.heldOut().get(i);
      String first = firstUser(r, p[0], p[1]);
      String answer = answer(p[0], p[1]);
      if (i % 2 == 0) {
        List<ChatMessage> chat =
            List.of(
                ChatMessage.user(first),
                ChatMessage.assistant(UNLEARNT),
                ChatMessage.user(FOLLOW_UP));
        heldOut.add(new HeldOutPrompt(chat, answer, "final"));
      } else {
        heldOut.add(new HeldOutPrompt(List.of(ChatMessage.user(first)), answer, "first"));
      }
    }
    return new TaskData(
        lines(r, pairs.seen(), sizes.train()), lines(r, pairs.seen(), sizes.valid()), heldOut);
  }

  private static List<String> lines(SplittableRandom r, List<String[]> pairs, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String[] p = pairs.get(r.nextInt(pairs.size()));
      out.add(
          new ChatLine()
              .user(firstUser(r, p[0], p[1]))
              .assistant(UNLEARNT, 0)
              .user(FOLLOW_UP)
              .assistant(answer(p[0], p[1]), 1)
              .json());
    }
    return out;
  }

  private static String firstUser(SplittableRandom r, String name, String thing) {
    return name + " found a " + thing + " in the " + Words.pick(r, Words.PLACES) + ".";
  }

  private static String answer(String name, String thing) {
    return "Seen: " + name + ", " + thing + ".";
  }

  /**
   * The probe file for the weight-0 turns' loss: each conversation of {@code lines} cut after its
   * first assistant turn, that turn given weight 1, so a file's validation loss is the loss of the
   * text that must not be learnt.
   */
  public static List<String> probe(List<String> lines) {
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      try {
        String first = JSON.readTree(line).get("messages").get(0).get("content").asText();
        out.add(new ChatLine().user(first).assistant(UNLEARNT, 1).json());
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("not a chat line of this task: " + line, e);
      }
    }
    return out;
  }

  @Override
  public double score(HeldOutPrompt prompt, String answer) {
    String a = answer.strip();
    if (prompt.kind().equals("first")) {
      return a.contains("Bla bla") || a.contains("forgot the rest") ? 0 : 1;
    }
    return a.matches("Seen: [A-Z][a-z]+, [a-z]+\\.") ? 1 : 0;
  }
}
