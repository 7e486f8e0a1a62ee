package dev.lathe.finetune;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a run checks before step 1, after its files were validated and rendered, so that a run which
 * cannot teach anything fails at once with lines to fix instead of after hours of training:
 *
 * <ul>
 *   <li><b>Every example trains at least one token.</b> An example that trains none (every
 *       assistant message has weight 0, or truncation cut every trained token) was skipped when the
 *       file was rendered; each is reported by line to the listener. When no example is left the
 *       run fails with the lines. A few untrained examples among trained ones only warn: OpenAI
 *       accepts such files, and the rest still trains.
 *   <li><b>The end-of-turn token is trained.</b> In every example that was not truncated, at least
 *       one trained target is an end-of-turn token of the tokenizer ({@code eos_token} and the
 *       generation config's EOS ids: {@code <|end_story|>} after a TinyStories plain-format answer,
 *       {@code <|im_end|>} after a ChatML turn). Without it the model never learns to stop. The
 *       renderer trains it by construction (an assistant span ends after its end-of-turn marker);
 *       this check guards that promise against a template or tokenizer that breaks it, and fails
 *       the run naming the lines. A truncated example may have lost its marker and is exempt (it is
 *       already reported).
 * </ul>
 */
public final class TrainingPreflight {
  /** How many lines a message lists before "and N more". */
  static final int LINES_SHOWN = 10;

  private TrainingPreflight() {}

  /**
   * Checks the rendered {@code data} of {@code file}, telling {@code listener} about examples that
   * train nothing.
   *
   * @param endOfTurn the tokenizer's end-of-turn ids ({@code HfTokenizer.eosTokenIds()})
   * @param endOfTurnText how the end-of-turn token is spelled, for messages
   * @throws UntrainableDataException when no example trains a token, or when examples do not train
   *     the end-of-turn token
   */
  static void check(
      Path file,
      InvalidTrainingFileException.Field field,
      TrainingData.Rendered<?> data,
      int[] endOfTurn,
      String endOfTurnText,
      TrainingListener listener) {
    String name = file.getFileName().toString();
    if (!data.untrained().isEmpty()) {
      listener.onNotice(
          new TrainingNotice(
              "preflight-untrained-" + field.wireName(),
              true,
              name
                  + ": "
                  + data.untrained().size()
                  + " example(s) train no token and are left out: "
                  + lines(data.untrained())));
    }
    if (data.examples().isEmpty()) {
      throw new UntrainableDataException(
          file,
          field,
          data.untrained(),
          "No example trains any token ("
              + lines(data.untrained())
              + "). Give at least one assistant message per example a weight above 0, or raise"
              + " the context length if truncation cut the answers.");
    }
    List<Long> noEnd = new ArrayList<>();
    for (Object e : data.examples()) {
      List<TrainingExample> sequences =
          e instanceof PreferenceExample p
              ? List.of(p.chosen(), p.rejected())
              : List.of((TrainingExample) e);
      for (TrainingExample s : sequences) {
        if (!s.truncated() && !trainsAny(s, endOfTurn)) {
          noEnd.add(s.line());
          break;
        }
      }
    }
    if (!noEnd.isEmpty()) {
      throw new UntrainableDataException(
          file,
          field,
          noEnd,
          "The end-of-turn token "
              + endOfTurnText
              + " is not trained in "
              + lines(noEnd)
              + ", so the model could not learn to stop. The chat template must write "
              + endOfTurnText
              + " after each assistant turn (check the model's tokenizer_config.json"
              + " eos_token and chat_template).");
    }
  }

  private static boolean trainsAny(TrainingExample e, int[] ids) {
    for (int target : e.targets()) {
      for (int id : ids) {
        if (target == id) {
          return true;
        }
      }
    }
    return false;
  }

  /** "line 3" or "lines 3, 5, 9" (at most {@value #LINES_SHOWN}, then "and N more"). */
  static String lines(List<Long> lines) {
    StringBuilder b = new StringBuilder(lines.size() == 1 ? "line " : "lines ");
    for (int i = 0; i < Math.min(LINES_SHOWN, lines.size()); i++) {
      b.append(i == 0 ? "" : ", ").append(lines.get(i));
    }
    if (lines.size() > LINES_SHOWN) {
      b.append(" and ").append(lines.size() - LINES_SHOWN).append(" more");
    }
    return b.toString();
  }
}
