package dev.lathe.finetune.tasks;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * JSON with fixed keys: a sentence in, {@code {"name": "Lily", "color": "red", "thing": "ball"}}
 * out. The score is 1 for a valid JSON object with exactly the keys name, color and thing (in any
 * order), 0 otherwise.
 *
 * <p>TinyStories-656K cannot learn it: its vocabulary has no brace and no byte fallback, so both
 * braces become {@code <unk>}. The benchmark runs it on stories260K, whose tokenizer falls back to
 * bytes.
 */
public final class JsonKeysTask extends OneTurnTask {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> KEYS = List.of("name", "color", "thing");

  @Override
  public String name() {
    return "json";
  }

  @Override
  public String measure() {
    return "JSON valid + keys match";
  }

  @Override
  Turn make(SplittableRandom r, String name, String thing) {
    String color = Words.pick(r, Words.COLORS);
    return new Turn(
        name + " has a " + color + " " + thing + ".",
        JSON.createObjectNode()
            .put("name", name)
            .put("color", color)
            .put("thing", thing)
            .toString());
  }

  @Override
  public double score(HeldOutPrompt prompt, String answer) {
    JsonNode node;
    try {
      node = JSON.readTree(answer.strip());
    } catch (JsonProcessingException e) {
      return 0;
    }
    if (node == null || !node.isObject()) {
      return 0;
    }
    List<String> keys = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      keys.add(it.next());
    }
    return keys.size() == KEYS.size() && keys.containsAll(KEYS) ? 1 : 0;
  }
}
