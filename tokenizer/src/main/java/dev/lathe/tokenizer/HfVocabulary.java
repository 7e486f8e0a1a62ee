package dev.lathe.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The token strings of a {@code tokenizer.json}: the model's vocabulary (BPE, WordPiece and
 * WordLevel maps, Unigram piece lists) plus the added tokens, with which of those are special. The
 * native binding does not expose these lookups, so they are read from the JSON once.
 */
final class HfVocabulary {

  /** A token of {@code added_tokens}: {@code special} ones are control tokens such as BOS. */
  record AddedToken(int id, String content, boolean special) {}

  private final Map<String, Integer> idsByToken;
  private final String[] tokensById;
  private final List<AddedToken> addedTokens;
  private final BitSet special = new BitSet();

  private HfVocabulary(
      Map<String, Integer> idsByToken, String[] tokensById, List<AddedToken> addedTokens) {
    this.idsByToken = idsByToken;
    this.tokensById = tokensById;
    this.addedTokens = addedTokens;
    for (AddedToken t : addedTokens) {
      if (t.special()) {
        special.set(t.id());
      }
    }
  }

  static HfVocabulary of(JsonNode tokenizerJson, String source) {
    Map<String, Integer> ids = new HashMap<>();
    JsonNode vocab = tokenizerJson.path("model").path("vocab");
    if (vocab.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        ids.put(e.getKey(), e.getValue().asInt());
      }
    } else if (vocab.isArray()) { // Unigram: [[piece, score], ...], id = position
      for (int i = 0; i < vocab.size(); i++) {
        ids.put(vocab.get(i).get(0).asText(), i);
      }
    } else {
      throw new IllegalArgumentException(
          source
              + ": model.vocab is missing; unsupported tokenizer model type "
              + tokenizerJson.path("model").path("type").asText("?"));
    }
    List<AddedToken> added = new ArrayList<>();
    for (JsonNode t : tokenizerJson.path("added_tokens")) {
      AddedToken token =
          new AddedToken(
              t.path("id").asInt(), t.path("content").asText(), t.path("special").asBoolean());
      added.add(token);
      ids.put(token.content(), token.id());
    }
    int max = -1;
    for (int id : ids.values()) {
      if (id < 0) {
        throw new IllegalArgumentException(source + ": negative token id " + id);
      }
      max = Math.max(max, id);
    }
    String[] tokens = new String[max + 1];
    for (Map.Entry<String, Integer> e : ids.entrySet()) {
      tokens[e.getValue()] = e.getKey();
    }
    return new HfVocabulary(ids, tokens, Collections.unmodifiableList(added));
  }

  /** One more than the largest id, so every id is below it. */
  int size() {
    return tokensById.length;
  }

  /** The id of the token string {@code token}, or -1. */
  int id(String token) {
    Integer id = idsByToken.get(token);
    return id == null ? -1 : id;
  }

  /** The token string of {@code id}, or null for an id with no token. */
  String token(int id) {
    return id >= 0 && id < tokensById.length ? tokensById[id] : null;
  }

  List<AddedToken> addedTokens() {
    return addedTokens;
  }

  boolean isSpecial(int id) {
    return id >= 0 && special.get(id);
  }
}
