package dev.lathe.finetune.tasks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One generated instance of a task: OpenAI chat JSONL lines for training and validation, and the
 * held-out prompts the score is measured on.
 *
 * @param train the training file's lines
 * @param valid the validation file's lines
 * @param heldOut prompts whose user turns appear in neither file
 */
public record TaskData(List<String> train, List<String> valid, List<HeldOutPrompt> heldOut) {

  /** Validates. */
  public TaskData {
    train = List.copyOf(train);
    valid = List.copyOf(valid);
    heldOut = List.copyOf(heldOut);
    if (train.isEmpty() || valid.isEmpty() || heldOut.isEmpty()) {
      throw new IllegalArgumentException("a task needs training, validation and held-out examples");
    }
  }

  /** The training and validation files written into {@code dir}. */
  public record Written(Path train, Path valid) {}

  /**
   * Writes {@code train.jsonl} and {@code valid.jsonl} into {@code dir} and returns their paths.
   */
  public Written write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Path t = dir.resolve("train.jsonl");
    Path v = dir.resolve("valid.jsonl");
    Files.write(t, train);
    Files.write(v, valid);
    return new Written(t, v);
  }
}
