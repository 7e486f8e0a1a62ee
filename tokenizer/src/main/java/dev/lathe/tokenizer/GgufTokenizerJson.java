package dev.lathe.tokenizer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Hugging Face {@code tokenizer.json} and {@code tokenizer_config.json} a GGUF file's embedded
 * vocabulary describes, so that a GGUF model trains, serves and is saved with one tokenizer:
 *
 * <ul>
 *   <li>{@code llama} (SentencePiece BPE with byte fallback): a BPE model with {@code
 *       byte_fallback}, the normalizer {@code Prepend("▁")} (unless {@code
 *       tokenizer.ggml.add_space_prefix} is false) then {@code Replace(" ", "▁")}, and merges
 *       derived from the piece scores as Hugging Face's SentencePiece converter derives them: every
 *       split of a normal piece into two pieces of the vocabulary, ordered by the joined piece's
 *       score, highest first (ties by the halves' ids). Applying the lowest-ranked merge first is
 *       then SentencePiece's "merge the adjacent pair whose joined piece scores highest", the
 *       algorithm of {@link Llama2cTokenizer}. Control and unknown tokens are special added tokens,
 *       user-defined ones plain added tokens; the config names the {@code LlamaTokenizer} class so
 *       that {@code tokenizer.ggml.add_bos_token} (default true) decides the BOS.
 *   <li>{@code gpt2} (byte-level BPE): as {@link GgufVocab} rebuilds it for serving.
 * </ul>
 *
 * BOS, EOS and unknown tokens come from {@code tokenizer.ggml.*_token_id}, the chat template from
 * {@code tokenizer.chat_template}. The JSON text is deterministic for given metadata, so its hash
 * identifies the vocabulary a fine-tune was trained with ({@link TrainedTemplate}).
 *
 * @param source names the file in errors
 * @param tokenizerJson the {@code tokenizer.json} text
 * @param config the {@code tokenizer_config.json} tree
 */
public record GgufTokenizerJson(String source, String tokenizerJson, ObjectNode config) {

  /**
   * The tokenizer files GGUF metadata {@code md} describes; {@code source} names the file.
   *
   * @throws IllegalArgumentException naming {@code source} and the metadata key when a key is
   *     missing or of the wrong type, or the vocabulary kind ({@code tokenizer.ggml.model}) is not
   *     {@code llama} or {@code gpt2}
   */
  public static GgufTokenizerJson of(Map<String, Object> md, String source) {
    if (!(md.get("tokenizer.ggml.model") instanceof String kind)) {
      throw new IllegalArgumentException(
          source
              + ": metadata tokenizer.ggml.model is missing: the file embeds no vocabulary, so"
              + " Lathe cannot tokenize for it; use a GGUF file converted with its tokenizer");
    }
    if (!kind.equals("llama") && !kind.equals("gpt2")) {
      throw new IllegalArgumentException(
          source
              + ": tokenizer.ggml.model "
              + kind
              + " is not supported: Lathe tokenizes GGUF's llama (SentencePiece BPE) and gpt2"
              + " (byte-level BPE) vocabularies; convert the model with one of those, or use its"
              + " Hugging Face directory");
    }
    List<String> tokens = GgufVocab.list(md, "tokenizer.ggml.tokens", source, String.class);
    List<Number> types = GgufVocab.list(md, "tokenizer.ggml.token_type", source, Number.class);
    if (types.size() != tokens.size()) {
      throw new IllegalArgumentException(
          source
              + ": "
              + tokens.size()
              + " tokenizer.ggml.tokens but "
              + types.size()
              + " tokenizer.ggml.token_type");
    }
    return kind.equals("gpt2")
        ? GgufVocab.byteLevel(md, source, tokens, types)
        : sentencePiece(md, source, tokens, types);
  }

  /** A tokenizer running these files. */
  public HfTokenizer open() {
    return HfTokenizer.inMemory(source, tokenizerJson, config);
  }

  /** Writes {@code tokenizer.json} (this exact text) and {@code tokenizer_config.json} into dir. */
  public void write(Path dir) throws IOException {
    Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson, StandardCharsets.UTF_8);
    Files.write(
        dir.resolve("tokenizer_config.json"),
        HfTokenizerFiles.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
  }

  private static GgufTokenizerJson sentencePiece(
      Map<String, Object> md, String source, List<String> tokens, List<Number> types) {
    List<Number> scores = GgufVocab.list(md, "tokenizer.ggml.scores", source, Number.class);
    if (scores.size() != tokens.size()) {
      throw new IllegalArgumentException(
          source
              + ": "
              + tokens.size()
              + " tokenizer.ggml.tokens but "
              + scores.size()
              + " tokenizer.ggml.scores");
    }
    int bos = GgufVocab.id(md, "tokenizer.ggml.bos_token_id", source);
    int eos = GgufVocab.id(md, "tokenizer.ggml.eos_token_id", source);
    int unk =
        md.containsKey("tokenizer.ggml.unknown_token_id")
            ? GgufVocab.id(md, "tokenizer.ggml.unknown_token_id", source)
            : -1;
    for (int id : new int[] {bos, eos, unk}) {
      if (id >= tokens.size()) {
        throw new IllegalArgumentException(
            source + ": token id " + id + " is outside the " + tokens.size() + " tokens");
      }
    }
    boolean spacePrefix = !Boolean.FALSE.equals(md.get("tokenizer.ggml.add_space_prefix"));
    ObjectNode json = HfTokenizerFiles.JSON.createObjectNode();
    json.put("version", "1.0");
    json.putNull("truncation");
    json.putNull("padding");
    ArrayNode added = json.putArray("added_tokens");
    ObjectNode model = HfTokenizerFiles.JSON.createObjectNode();
    model.put("type", "BPE");
    model.putNull("dropout");
    if (unk >= 0) {
      model.put("unk_token", tokens.get(unk));
    } else {
      model.putNull("unk_token");
    }
    model.putNull("continuing_subword_prefix");
    model.putNull("end_of_word_suffix");
    model.put("fuse_unk", true);
    model.put("byte_fallback", true);
    model.put("ignore_merges", false);
    ObjectNode vocab = model.putObject("vocab");
    Map<String, Integer> ids = new HashMap<>();
    for (int id = 0; id < tokens.size(); id++) {
      int type = types.get(id).intValue();
      if (type == GgufVocab.UNUSED || ids.containsKey(tokens.get(id))) {
        continue;
      }
      ids.put(tokens.get(id), id);
      vocab.put(tokens.get(id), id);
      boolean control =
          type == GgufVocab.CONTROL || type == GgufVocab.UNKNOWN || id == bos || id == eos;
      if (control || type == GgufVocab.USER_DEFINED) {
        GgufVocab.addedToken(added, id, tokens.get(id), false, control);
      }
    }
    ArrayNode merges = model.putArray("merges");
    for (String[] m : merges(tokens, scores, types, ids)) {
      merges.addArray().add(m[0]).add(m[1]);
    }
    ObjectNode normalizer = json.putObject("normalizer");
    normalizer.put("type", "Sequence");
    ArrayNode steps = normalizer.putArray("normalizers");
    if (spacePrefix) {
      steps.addObject().put("type", "Prepend").put("prepend", "\u2581");
    }
    ObjectNode replace = steps.addObject().put("type", "Replace");
    replace.putObject("pattern").put("String", " ");
    replace.put("content", "\u2581");
    json.putNull("pre_tokenizer");
    boolean addBos = GgufVocab.addsBos(md);
    if (addBos) {
      json.set("post_processor", GgufVocab.prependBos(tokens, bos));
    } else {
      json.putNull("post_processor");
    }
    ObjectNode decoder = json.putObject("decoder");
    decoder.put("type", "Sequence");
    ArrayNode decoders = decoder.putArray("decoders");
    ObjectNode space = decoders.addObject().put("type", "Replace");
    space.putObject("pattern").put("String", "\u2581");
    space.put("content", " ");
    decoders.addObject().put("type", "ByteFallback");
    decoders.addObject().put("type", "Fuse");
    if (spacePrefix) {
      decoders.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
    }
    json.set("model", model);
    ObjectNode config = HfTokenizerFiles.JSON.createObjectNode();
    config.put("tokenizer_class", "LlamaTokenizer");
    config.put("add_bos_token", addBos);
    config.put("add_eos_token", Boolean.TRUE.equals(md.get("tokenizer.ggml.add_eos_token")));
    config.put("bos_token", tokens.get(bos));
    config.put("eos_token", tokens.get(eos));
    if (unk >= 0) {
      config.put("unk_token", tokens.get(unk));
    }
    config.put("clean_up_tokenization_spaces", false);
    if (md.get("tokenizer.chat_template") instanceof String template) {
      config.put("chat_template", template);
    }
    return new GgufTokenizerJson(source + " (llama vocabulary)", json.toString(), config);
  }

  /**
   * Every split of a normal piece into two pieces of the vocabulary, the joined piece's score
   * highest first, ties by the halves' ids (Hugging Face's SentencePiece converter's order).
   */
  private static List<String[]> merges(
      List<String> tokens, List<Number> scores, List<Number> types, Map<String, Integer> ids) {
    record Merge(String left, String right, float score, int leftId, int rightId) {}
    List<Merge> merges = new ArrayList<>();
    for (int id = 0; id < tokens.size(); id++) {
      String piece = tokens.get(id);
      if (types.get(id).intValue() != GgufVocab.NORMAL || ids.get(piece) != id) {
        continue;
      }
      for (int at = piece.offsetByCodePoints(0, 1);
          at < piece.length();
          at = piece.offsetByCodePoints(at, 1)) {
        Integer l = ids.get(piece.substring(0, at));
        Integer r = ids.get(piece.substring(at));
        if (l != null && r != null) {
          merges.add(
              new Merge(
                  piece.substring(0, at), piece.substring(at), scores.get(id).floatValue(), l, r));
        }
      }
    }
    merges.sort(
        Comparator.comparingDouble((Merge m) -> -m.score())
            .thenComparingInt(Merge::leftId)
            .thenComparingInt(Merge::rightId));
    return merges.stream().map(m -> new String[] {m.left(), m.right()}).toList();
  }
}
