package dev.lathe.inference.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random JSON Schemas from the supported subset, for property tests: objects (strict or with
 * optional properties, closed or open), free-form maps, arrays, strings, numbers, integers,
 * booleans, null, type lists, enums and consts of every JSON kind, anyOf, and a recursive
 * definition reached through $ref. Keys and values include escapes and non-ASCII text.
 */
final class RandomSchemas {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final String[] KEYS = {
    "name", "age", "a", "ab", "abc", "x/y", "quo\"te", "naïve", "日本", "tab\there", "id", "items"
  };
  private static final String[] STRINGS = {"", "a", "ab", "héllo", "日本語", "q\"uote", "back\\"};

  private final SplittableRandom random;

  RandomSchemas(long seed) {
    this.random = new SplittableRandom(seed);
  }

  /** A schema whose top level is an object (as OpenAI requires), sometimes with recursion. */
  ObjectNode objectSchema() {
    ObjectNode root = object(2);
    if (random.nextInt(4) == 0) {
      ObjectNode node = F.objectNode().put("type", "object");
      ObjectNode props = node.putObject("properties");
      props.putObject("value").put("type", "integer");
      ObjectNode children = props.putObject("children").put("type", "array");
      children.putObject("items").put("$ref", "#/$defs/node");
      node.putArray("required").add("value");
      root.putObject("$defs").set("node", node);
      ((ObjectNode) root.get("properties")).putObject("tree").put("$ref", "#/$defs/node");
    }
    return root;
  }

  /** A schema of any kind (top level possibly a scalar). */
  ObjectNode anySchema() {
    return schema(2);
  }

  ObjectNode schema(int depth) {
    int kind = random.nextInt(depth > 0 ? 13 : 8);
    return switch (kind) {
      case 0 -> F.objectNode().put("type", "string").put("description", "free text");
      case 1 -> F.objectNode().put("type", "number");
      case 2 -> F.objectNode().put("type", "integer");
      case 3 -> F.objectNode().put("type", "boolean");
      case 4 -> F.objectNode().put("type", "null");
      case 5 -> enumSchema();
      case 6 -> F.objectNode().set("const", value(1));
      case 7 -> {
        ObjectNode s = F.objectNode();
        ArrayNode types = s.putArray("type");
        types.add(random.nextBoolean() ? "string" : "integer").add("null");
        yield s;
      }
      case 8, 9 -> object(depth - 1);
      case 10 -> {
        ObjectNode s = F.objectNode().put("type", "array");
        if (random.nextInt(4) > 0) {
          s.set("items", schema(depth - 1));
        }
        yield s;
      }
      case 11 -> {
        ObjectNode s = F.objectNode();
        ArrayNode options = s.putArray("anyOf");
        int n = 1 + random.nextInt(3);
        for (int i = 0; i < n; i++) {
          options.add(schema(depth - 1));
        }
        yield s;
      }
      default -> {
        ObjectNode s = F.objectNode().put("type", "object");
        if (random.nextBoolean()) {
          s.set("additionalProperties", schema(depth - 1));
        }
        yield s;
      }
    };
  }

  private ObjectNode object(int depth) {
    ObjectNode s = F.objectNode().put("type", "object").put("title", "t");
    ObjectNode props = s.putObject("properties");
    ArrayNode required = s.putArray("required");
    boolean strict = random.nextBoolean();
    int n = 1 + random.nextInt(4);
    List<String> keys = new ArrayList<>(List.of(KEYS));
    for (int i = 0; i < n; i++) {
      String key = keys.remove(random.nextInt(keys.size()));
      props.set(key, schema(Math.max(0, depth)));
      if (strict || random.nextBoolean()) {
        required.add(key);
      }
    }
    if (strict || random.nextBoolean()) {
      s.put("additionalProperties", false);
    }
    return s;
  }

  private ObjectNode enumSchema() {
    ObjectNode s = F.objectNode();
    ArrayNode values = s.putArray("enum");
    int n = 1 + random.nextInt(4);
    for (int i = 0; i < n; i++) {
      values.add(value(1));
    }
    if (random.nextBoolean()) { // numbers where one is a prefix of another
      values.add(1).add(12).add(-1.5);
    }
    return s;
  }

  private JsonNode value(int depth) {
    return switch (random.nextInt(depth > 0 ? 7 : 5)) {
      case 0 -> F.textNode(STRINGS[random.nextInt(STRINGS.length)]);
      case 1 -> F.numberNode(random.nextInt(2000) - 1000);
      case 2 -> F.booleanNode(random.nextBoolean());
      case 3 -> F.nullNode();
      case 4 -> F.numberNode(random.nextInt(1000) / 8.0);
      case 5 -> F.arrayNode().add(value(depth - 1)).add(value(depth - 1));
      default -> F.objectNode().set(KEYS[random.nextInt(KEYS.length)], value(depth - 1));
    };
  }
}
