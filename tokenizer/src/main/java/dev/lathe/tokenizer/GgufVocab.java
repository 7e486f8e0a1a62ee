package dev.lathe.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A tokenizer as GGUF metadata ({@code tokenizer.ggml.*}, {@code tokenizer.chat_template}) and
 * back, the two vocabulary kinds llama.cpp names:
 *
 * <ul>
 *   <li>{@code llama}: SentencePiece-style BPE ({@code ▁} for a space): {@code tokens}, {@code
 *       scores}, {@code token_type}. Read as {@link Llama2cTokenizer#sentencePiece}, which merges
 *       the adjacent pair whose joined piece scores highest; written from a Hugging Face BPE {@code
 *       tokenizer.json} with scores {@code -rank} of the merge that makes each token (so the
 *       highest score is the earliest merge, as BPE applies them), {@link #UNMERGED} for the rest.
 *   <li>{@code gpt2}: byte-level BPE: {@code tokens}, {@code merges} ("a b"), {@code token_type},
 *       and the pre-tokenizer {@code tokenizer.ggml.pre} ({@link #PRE_TOKENIZERS}: gpt2, llama-bpe,
 *       qwen2). Read by rebuilding the {@code tokenizer.json} those describe and running it with
 *       the Hugging Face tokenizers library ({@link HfTokenizer}).
 * </ul>
 *
 * Token types are llama.cpp's: 1 normal, 2 unknown, 3 control (special added tokens), 4
 * user-defined (other added tokens), 5 unused (padding up to the model's vocabulary size), 6 byte.
 * Metadata values use the Java types GGUF writers take and readers give back: ids as {@code
 * Integer} when written ({@code Long} when read), {@code float[]}/{@code int[]} arrays when written
 * ({@code List} when read).
 */
public final class GgufVocab {
  private GgufVocab() {}

  static final int NORMAL = 1;
  static final int UNKNOWN = 2;
  static final int CONTROL = 3;
  static final int USER_DEFINED = 4;
  static final int UNUSED = 5;
  static final int BYTE = 6;

  /** The score of a {@code llama} token no merge makes (characters, specials): never preferred. */
  static final float UNMERGED = -1e9f;

  /** A llama.cpp pre-tokenizer: its splitting regex (null: GPT-2's, built into ByteLevel). */
  private record PreTokenizer(String regex, boolean nfc, boolean ignoreMerges) {}

  /** {@code tokenizer.ggml.pre} values Lathe reads and writes, as Hugging Face configures them. */
  static final Map<String, PreTokenizer> PRE_TOKENIZERS =
      Map.of(
          "gpt2", new PreTokenizer(null, false, false),
          "llama-bpe",
              new PreTokenizer(
                  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|"
                      + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
                  false,
                  true),
          "qwen2",
              new PreTokenizer(
                  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}|"
                      + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
                  true,
                  false));

  // ---- Hugging Face tokenizer.json -> GGUF metadata ----

  /**
   * The GGUF tokenizer metadata of the Hugging Face tokenizer at {@code directoryOrFile}, its token
   * list padded with unused {@code [PADn]} tokens to {@code vocabSize} (the model's embedding
   * rows).
   *
   * @throws IllegalArgumentException when the tokenizer is not a BPE GGUF can describe (the message
   *     says what is not)
   */
  public static Map<String, Object> metadata(Path directoryOrFile, int vocabSize) {
    HfTokenizerFiles files = HfTokenizerFiles.read(directoryOrFile);
    JsonNode tree = files.tokenizer();
    JsonNode model = tree.path("model");
    String source = files.source();
    if (!model.path("type").asText().equals("BPE")) {
      throw new IllegalArgumentException(
          source
              + ": a "
              + model.path("type").asText("?")
              + " tokenizer cannot be written to GGUF: Lathe writes BPE vocabularies (llama.cpp's"
              + " llama and gpt2 types)");
    }
    HfVocabulary vocab = HfVocabulary.of(tree, source);
    if (vocab.size() > vocabSize) {
      throw new IllegalArgumentException(
          source + ": " + vocab.size() + " tokens, more than the model's " + vocabSize + " rows");
    }
    boolean byteLevel =
        (tree.path("pre_tokenizer").toString() + tree.path("decoder")).contains("\"ByteLevel\"");
    Map<String, Integer> added = new HashMap<>();
    for (HfVocabulary.AddedToken t : vocab.addedTokens()) {
      added.put(t.content(), t.special() ? CONTROL : USER_DEFINED);
    }
    String unk = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
    List<String> tokens = new ArrayList<>(vocabSize);
    int[] types = new int[vocabSize];
    for (int id = 0; id < vocabSize; id++) {
      String token = vocab.token(id);
      tokens.add(token == null ? "[PAD" + id + "]" : token);
      types[id] =
          token == null
              ? UNUSED
              : added.containsKey(token)
                  ? (token.equals(unk) ? UNKNOWN : added.get(token))
                  : token.equals(unk) ? UNKNOWN : isByteToken(token) && !byteLevel ? BYTE : NORMAL;
    }
    List<String> merges = merges(model.path("merges"), source);
    Map<String, Object> md = new LinkedHashMap<>();
    md.put("tokenizer.ggml.model", byteLevel ? "gpt2" : "llama");
    if (byteLevel) {
      md.put("tokenizer.ggml.pre", preTokenizer(tree, source));
    }
    md.put("tokenizer.ggml.tokens", tokens);
    if (byteLevel) {
      md.put("tokenizer.ggml.merges", merges);
    } else {
      md.put("tokenizer.ggml.scores", scores(tokens, merges, types));
    }
    md.put("tokenizer.ggml.token_type", types);
    try (HfTokenizer tokenizer = HfTokenizer.of(files)) {
      tokenizer.bosTokenId().ifPresent(id -> md.put("tokenizer.ggml.bos_token_id", id));
      id(vocab, tokenizer.eosToken()).ifPresent(id -> md.put("tokenizer.ggml.eos_token_id", id));
      id(vocab, unk).ifPresent(id -> md.put("tokenizer.ggml.unknown_token_id", id));
      id(vocab, (String) tokenizer.specialTokensMap().get("pad_token"))
          .ifPresent(id -> md.put("tokenizer.ggml.padding_token_id", id));
      int[] plain = tokenizer.encodeWithSpecials("a", false);
      int[] framed = tokenizer.encodeWithSpecials("a", true);
      int bos = tokenizer.bosTokenId().orElse(-1);
      md.put("tokenizer.ggml.add_bos_token", framed.length > plain.length && framed[0] == bos);
      md.put(
          "tokenizer.ggml.add_eos_token",
          framed.length > plain.length && framed[framed.length - 1] != plain[plain.length - 1]);
      ChatTemplate.of(tokenizer).ifPresent(t -> md.put("tokenizer.chat_template", t.source()));
    }
    return md;
  }

  private static Optional<Integer> id(HfVocabulary vocab, String token) {
    int id = token == null ? -1 : vocab.id(token);
    return id < 0 ? Optional.empty() : Optional.of(id);
  }

  private static boolean isByteToken(String t) {
    return t.length() == 6 && t.startsWith("<0x") && t.endsWith(">");
  }

  private static List<String> merges(JsonNode merges, String source) {
    List<String> out = new ArrayList<>(merges.size());
    for (JsonNode m : merges) {
      if (m.isTextual()) {
        out.add(m.asText());
      } else if (m.isArray() && m.size() == 2) {
        out.add(m.get(0).asText() + " " + m.get(1).asText());
      } else {
        throw new IllegalArgumentException(source + ": model.merges holds " + m);
      }
    }
    return out;
  }

  /** Score -rank of the first merge making each token; {@link #UNMERGED} for the others. */
  private static float[] scores(List<String> tokens, List<String> merges, int[] types) {
    Map<String, Integer> ids = new HashMap<>();
    for (int i = tokens.size() - 1; i >= 0; i--) {
      ids.put(tokens.get(i), i);
    }
    float[] scores = new float[tokens.size()];
    Arrays.fill(scores, UNMERGED);
    for (int rank = merges.size() - 1; rank >= 0; rank--) {
      Integer id = ids.get(merges.get(rank).replace(" ", ""));
      if (id != null && types[id] == NORMAL) {
        scores[id] = -rank;
      }
    }
    return scores;
  }

  /** The {@code tokenizer.ggml.pre} name of a byte-level tokenizer's pre-tokenizer. */
  private static String preTokenizer(JsonNode tree, String source) {
    JsonNode pre = tree.path("pre_tokenizer");
    String regex = null;
    boolean sequence = pre.path("type").asText().equals("Sequence");
    for (JsonNode p : sequence ? pre.path("pretokenizers") : List.of(pre)) {
      if (p.path("type").asText().equals("Split")) {
        regex = p.path("pattern").path("Regex").asText(null);
      }
    }
    if (regex == null && pre.path("type").asText().equals("ByteLevel")) {
      return "gpt2";
    }
    for (Map.Entry<String, PreTokenizer> e : PRE_TOKENIZERS.entrySet()) {
      if (regex != null && regex.equals(e.getValue().regex())) {
        return e.getKey();
      }
    }
    throw new IllegalArgumentException(
        source
            + ": its pre-tokenizer ("
            + pre
            + ") is none Lathe maps to a llama.cpp tokenizer.ggml.pre: it writes "
            + PRE_TOKENIZERS.keySet()
            + " (GPT-2, Llama 3, Qwen2/3)");
  }

  // ---- GGUF metadata -> tokenizer ----

  /**
   * The tokenizer GGUF metadata {@code md} describes (as {@code GgufFile} reads it): a {@link
   * Llama2cTokenizer} for {@code llama}, an {@link HfTokenizer} for {@code gpt2}; {@code source}
   * names the file in errors.
   *
   * @throws IllegalArgumentException when a key is missing or of the wrong type, or the vocabulary
   *     kind or pre-tokenizer is one Lathe does not read (the message names it)
   */
  public static TextTokenizer tokenizer(Map<String, Object> md, String source) {
    String kind = string(md, "tokenizer.ggml.model", source);
    List<String> tokens = list(md, "tokenizer.ggml.tokens", source, String.class);
    List<Number> types = list(md, "tokenizer.ggml.token_type", source, Number.class);
    if (types.size() != tokens.size()) {
      throw new IllegalArgumentException(
          source + ": " + tokens.size() + " tokens but " + types.size() + " token types");
    }
    return switch (kind) {
      case "llama" -> {
        List<Number> scores = list(md, "tokenizer.ggml.scores", source, Number.class);
        float[] s = new float[scores.size()];
        int[] t = new int[types.size()];
        for (int i = 0; i < s.length; i++) {
          s[i] = scores.get(i).floatValue();
        }
        for (int i = 0; i < t.length; i++) {
          t[i] = types.get(i).intValue();
        }
        yield Llama2cTokenizer.sentencePiece(
            tokens,
            s,
            t,
            id(md, "tokenizer.ggml.bos_token_id", source),
            id(md, "tokenizer.ggml.eos_token_id", source),
            md.containsKey("tokenizer.ggml.unknown_token_id")
                ? id(md, "tokenizer.ggml.unknown_token_id", source)
                : -1);
      }
      case "gpt2" -> byteLevel(md, source, tokens, types).open();
      default ->
          throw new IllegalArgumentException(
              source
                  + ": tokenizer.ggml.model "
                  + kind
                  + " is not supported: Lathe reads GGUF's llama (SentencePiece) and gpt2"
                  + " (byte-level BPE) vocabularies");
    };
  }

  /** The {@code tokenizer.json} and config a {@code gpt2} vocabulary describes. */
  static GgufTokenizerJson byteLevel(
      Map<String, Object> md, String source, List<String> tokens, List<Number> types) {
    String preName =
        md.containsKey("tokenizer.ggml.pre") ? string(md, "tokenizer.ggml.pre", source) : "gpt2";
    PreTokenizer pre = PRE_TOKENIZERS.get(preName);
    if (pre == null) {
      throw new IllegalArgumentException(
          source
              + ": tokenizer.ggml.pre "
              + preName
              + " is not supported: Lathe reads the pre-tokenizers "
              + PRE_TOKENIZERS.keySet());
    }
    ObjectNode json = HfTokenizerFiles.JSON.createObjectNode();
    json.put("version", "1.0");
    ArrayNode added = json.putArray("added_tokens");
    ObjectNode model = HfTokenizerFiles.JSON.createObjectNode();
    ObjectNode vocab = model.putObject("vocab");
    for (int id = 0; id < tokens.size(); id++) {
      int type = types.get(id).intValue();
      if (type == CONTROL || type == USER_DEFINED) {
        addedToken(added, id, tokens.get(id), type == USER_DEFINED, type == CONTROL);
      } else if (type != UNUSED) {
        vocab.put(tokens.get(id), id);
      }
    }
    if (pre.nfc()) {
      json.putObject("normalizer").put("type", "NFC");
    } else {
      json.putNull("normalizer");
    }
    ObjectNode byteLevel = HfTokenizerFiles.JSON.createObjectNode();
    byteLevel.put("type", "ByteLevel");
    byteLevel.put("add_prefix_space", false);
    byteLevel.put("trim_offsets", false);
    byteLevel.put("use_regex", pre.regex() == null);
    if (pre.regex() == null) {
      json.set("pre_tokenizer", byteLevel);
    } else {
      ObjectNode seq = json.putObject("pre_tokenizer");
      seq.put("type", "Sequence");
      ArrayNode steps = seq.putArray("pretokenizers");
      ObjectNode split = steps.addObject();
      split.put("type", "Split");
      split.putObject("pattern").put("Regex", pre.regex());
      split.put("behavior", "Isolated");
      split.put("invert", false);
      steps.add(byteLevel);
    }
    if (addsBos(md) && md.containsKey("tokenizer.ggml.bos_token_id")) {
      json.set("post_processor", prependBos(tokens, id(md, "tokenizer.ggml.bos_token_id", source)));
    } else {
      json.putNull("post_processor");
    }
    json.set("decoder", byteLevel.deepCopy().put("use_regex", true));
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", pre.ignoreMerges());
    ArrayNode merges = model.putArray("merges");
    list(md, "tokenizer.ggml.merges", source, String.class).forEach(merges::add);
    json.set("model", model);
    ObjectNode config = HfTokenizerFiles.JSON.createObjectNode();
    if (md.containsKey("tokenizer.ggml.bos_token_id")) {
      config.put("bos_token", tokens.get(id(md, "tokenizer.ggml.bos_token_id", source)));
    }
    if (md.containsKey("tokenizer.ggml.eos_token_id")) {
      config.put("eos_token", tokens.get(id(md, "tokenizer.ggml.eos_token_id", source)));
    }
    if (md.get("tokenizer.chat_template") instanceof String template) {
      config.put("chat_template", template);
    }
    return new GgufTokenizerJson(source + " (" + preName + " vocabulary)", json.toString(), config);
  }

  /** Appends an {@code added_tokens} entry of a {@code tokenizer.json}. */
  static void addedToken(
      ArrayNode added, int id, String content, boolean normalized, boolean special) {
    ObjectNode a = added.addObject();
    a.put("id", id);
    a.put("content", content);
    a.put("single_word", false);
    a.put("lstrip", false);
    a.put("rstrip", false);
    a.put("normalized", normalized);
    a.put("special", special);
  }

  /** A post-processor that starts every sequence with BOS, as Llama 3's tokenizer.json has. */
  static ObjectNode prependBos(List<String> tokens, int bos) {
    ObjectNode p = HfTokenizerFiles.JSON.createObjectNode();
    p.put("type", "TemplateProcessing");
    String b = tokens.get(bos);
    for (String field : List.of("single", "pair")) {
      ArrayNode steps = p.putArray(field);
      for (String sequence : field.equals("single") ? List.of("A") : List.of("A", "B")) {
        int typeId = sequence.equals("A") ? 0 : 1;
        steps.addObject().putObject("SpecialToken").put("id", b).put("type_id", typeId);
        steps.addObject().putObject("Sequence").put("id", sequence).put("type_id", typeId);
      }
    }
    ObjectNode special = p.putObject("special_tokens").putObject(b);
    special.put("id", b);
    special.putArray("ids").add(bos);
    special.putArray("tokens").add(b);
    return p;
  }

  /**
   * Whether GGUF metadata {@code md} asks for BOS at the start of a prompt (llama.cpp's default).
   */
  public static boolean addsBos(Map<String, Object> md) {
    Object v = md.get("tokenizer.ggml.add_bos_token");
    return v instanceof Boolean b ? b : string(md, "tokenizer.ggml.model", "").equals("llama");
  }

  static String string(Map<String, Object> md, String key, String source) {
    if (md.get(key) instanceof String s) {
      return s;
    }
    throw missing(md, key, source, "a string");
  }

  static int id(Map<String, Object> md, String key, String source) {
    if (md.get(key) instanceof Number n
        && n.longValue() >= 0
        && n.longValue() < Integer.MAX_VALUE) {
      return n.intValue();
    }
    throw missing(md, key, source, "a token id");
  }

  static <T> List<T> list(Map<String, Object> md, String key, String source, Class<T> element) {
    if (md.get(key) instanceof List<?> list && list.stream().allMatch(element::isInstance)) {
      @SuppressWarnings("unchecked")
      List<T> typed = (List<T>) list;
      return typed;
    }
    throw missing(md, key, source, "an array of " + element.getSimpleName());
  }

  private static IllegalArgumentException missing(
      Map<String, Object> md, String key, String source, String expected) {
    Object v = md.get(key);
    return new IllegalArgumentException(
        source
            + ": metadata "
            + key
            + (v == null ? " is missing" : " is a " + v.getClass().getSimpleName())
            + ", expected "
            + expected);
  }
}
