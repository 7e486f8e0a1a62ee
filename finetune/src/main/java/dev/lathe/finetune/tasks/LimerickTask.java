package dev.lathe.finetune.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.tokenizer.ChatMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny real data set: seed 004's limericks about chemical elements (ten training and five
 * validation conversations, one limerick each, its lines joined by " - "). Judged by the relative
 * fall of the validation loss; a held-out answer (a validation element) scores 1 when it has a
 * limerick's shape, five parts joined by " - ".
 *
 * @param trainFile the training JSONL
 * @param validFile the validation JSONL, whose prompts are the held-out ones
 */
public record LimerickTask(Path trainFile, Path validFile) implements SuiteTask {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public String name() {
    return "limericks";
  }

  @Override
  public String measure() {
    return "validation loss fall";
  }

  @Override
  public Metric metric() {
    return Metric.VALID_LOSS_FALL;
  }

  /** The real files as they are, whatever the seed and sizes. */
  @Override
  public TaskData generate(long seed, Sizes sizes) {
    try {
      List<String> train = lines(trainFile);
      List<String> valid = lines(validFile);
      List<HeldOutPrompt> heldOut = new ArrayList<>();
      for (String line : valid) {
        List<ChatMessage> chat = new ArrayList<>();
        String reference = "";
        for (JsonNode m : JSON.readTree(line).get("messages")) {
          String role = m.get("role").asText();
          String content = m.get("content").asText();
          if (role.equals("assistant")) {
            reference = content;
            break;
          }
          chat.add(ChatMessage.of(role, content));
        }
        heldOut.add(new HeldOutPrompt(chat, reference, "answer"));
      }
      return new TaskData(train, valid, heldOut);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList();
  }

  @Override
  public double score(HeldOutPrompt prompt, String answer) {
    return answer.strip().split(" - ", -1).length == 5 ? 1 : 0;
  }
}
