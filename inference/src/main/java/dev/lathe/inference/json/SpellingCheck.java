package dev.lathe.inference.json;

import dev.lathe.inference.json.Shape.ArrayShape;
import dev.lathe.inference.json.Shape.ChoiceShape;
import dev.lathe.inference.json.Shape.LiteralShape;
import dev.lathe.inference.json.Shape.MapShape;
import dev.lathe.inference.json.Shape.NumberShape;
import dev.lathe.inference.json.Shape.ObjectShape;
import dev.lathe.inference.json.Shape.Property;
import dev.lathe.inference.json.Shape.RefShape;
import dev.lathe.inference.json.Shape.StringShape;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Refuses a grammar the vocabulary could get stuck in. The matcher guarantees that every accepted
 * prefix can be completed by <em>some</em> bytes; the mask can only offer tokens, so each byte a
 * completion may need must be writable on its own: a token whose text is exactly that byte. This
 * check asks for that of every byte the grammar's closing and required parts use — the brackets,
 * quote, colon and comma its objects, arrays and strings need, a digit for numbers, and every byte
 * of its keys and constant values — and names the first one missing (TinyStories' 2048-token
 * vocabulary, for one, has no {@code {}).
 */
final class SpellingCheck {
  private SpellingCheck() {}

  static void check(JsonGrammar grammar, VocabularyIndex vocabulary, String tokenizerName) {
    Set<Shape> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    ArrayDeque<Shape> queue = new ArrayDeque<>();
    queue.add(grammar.root());
    while (!queue.isEmpty()) {
      Shape s = queue.poll();
      if (!seen.add(s)) {
        continue;
      }
      String what;
      switch (s) {
        case ObjectShape o -> {
          what = "a JSON object";
          need(vocabulary, "{}", what, s, tokenizerName);
          if (!o.properties.isEmpty()) {
            need(vocabulary, o.properties.size() > 1 ? "\":," : "\":", what, s, tokenizerName);
          }
          for (Property p : o.properties) {
            need(vocabulary, p.key(), "the key " + p.name(), s, tokenizerName);
            queue.add(p.shape());
          }
        }
        case MapShape m -> {
          need(vocabulary, "{}\":,", "a JSON object", s, tokenizerName);
          queue.add(m.values);
        }
        case ArrayShape a -> {
          need(vocabulary, "[],", "a JSON array", s, tokenizerName);
          queue.add(a.items);
        }
        case StringShape t -> need(vocabulary, "\"", "a JSON string", s, tokenizerName);
        case NumberShape n -> {
          boolean digit = false;
          for (int d = '0'; d <= '9'; d++) {
            digit |= vocabulary.singleByte[d] >= 0;
          }
          if (!digit) {
            throw missing("a digit", "a JSON number", s, tokenizerName);
          }
        }
        case LiteralShape l -> {
          for (byte[] value : l.values) {
            need(vocabulary, value, "the value " + utf8(value), s, tokenizerName);
          }
        }
        case ChoiceShape c -> queue.addAll(c.options);
        case RefShape r -> queue.add(r.resolved());
      }
    }
  }

  private static void need(
      VocabularyIndex vocabulary, String chars, String what, Shape s, String tokenizer) {
    need(vocabulary, chars.getBytes(java.nio.charset.StandardCharsets.UTF_8), what, s, tokenizer);
  }

  private static void need(
      VocabularyIndex vocabulary, byte[] bytes, String what, Shape s, String tokenizer) {
    for (byte b : bytes) {
      int v = b & 0xFF;
      if (vocabulary.singleByte[v] < 0) {
        String name =
            v >= 0x20 && v < 0x7F
                ? String.format("the character '%c' (U+%04X)", (char) v, v)
                : String.format("the byte 0x%02X", v);
        throw missing(name, what, s, tokenizer);
      }
    }
  }

  private static JsonConstraintException missing(
      String name, String what, Shape s, String tokenizer) {
    String where = s.pointer.startsWith("(") ? "" : " at " + SchemaPointer.display(s.pointer);
    return new JsonConstraintException(
        "the vocabulary of "
            + tokenizer
            + " has no token for "
            + name
            + ", which "
            + what
            + where
            + " needs: structured output could get stuck, so it is refused; use a model whose"
            + " tokenizer can write every byte (byte-level BPE or byte-fallback tokens), or a"
            + " schema without it");
  }

  private static String utf8(byte[] value) {
    return new String(value, java.nio.charset.StandardCharsets.UTF_8);
  }
}
