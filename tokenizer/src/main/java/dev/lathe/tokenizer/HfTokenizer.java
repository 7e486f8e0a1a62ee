package dev.lathe.tokenizer;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;

/**
 * A Hugging Face tokenizer ({@code tokenizer.json}) run by the native {@code tokenizers} library
 * through DJL's binding, plus the rules Hugging Face keeps in {@code tokenizer_config.json}: which
 * strings are BOS/EOS, whether BOS/EOS are added, and the chat template.
 *
 * <p>Three ways to encode:
 *
 * <ul>
 *   <li>{@link #encode(String)}: plain text, as the {@link TextTokenizer} contract says: a
 *       special-token string such as {@code <|im_start|>} inside the text is tokenized as ordinary
 *       characters, and no BOS/EOS is added.
 *   <li>{@link #encodeWithSpecials(String, boolean) encodeWithSpecials(text, false)}: special-token
 *       strings become their ids, nothing is added; this is how a rendered chat template is
 *       tokenized (like {@code apply_chat_template(tokenize=True)}).
 *   <li>{@code encodeWithSpecials(text, true)}: the model's default, like {@code tokenizer(text)}:
 *       additionally the post-processor's template (e.g. Llama 3 prepends {@code
 *       <|begin_of_text|>}), or, for Llama/Gemma tokenizer classes, {@code add_bos_token}/{@code
 *       add_eos_token} from {@code tokenizer_config.json}.
 * </ul>
 *
 * <p>{@code truncation} and {@code padding} stored in {@code tokenizer.json} are ignored. Decoding
 * does not apply {@code clean_up_tokenization_spaces} (it would turn {@code "a ."} into {@code
 * "a."}), so decode(encode(text)) gives the text back. Instances are thread-safe; {@link #close()}
 * frees the native memory early (otherwise the garbage collector does).
 */
public final class HfTokenizer implements TextTokenizer, AutoCloseable {

  /** Strings models use to end a turn; those a chat template emits count as end-of-turn ids. */
  private static final List<String> END_OF_TURN_STRINGS =
      List.of(
          "<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end|>", "<end_of_turn>", "<|endoftext|>");

  private static final Set<String> CLASSES_WITH_BOS_EOS_FLAGS =
      Set.of(
          "LlamaTokenizer",
          "LlamaTokenizerFast",
          "CodeLlamaTokenizer",
          "CodeLlamaTokenizerFast",
          "GemmaTokenizer",
          "GemmaTokenizerFast");

  private final HfTokenizerFiles files;
  private final HuggingFaceTokenizer tokenizer;
  private final HfVocabulary vocabulary;
  private final List<String> specialStrings;
  private final String bosToken;
  private final String eosToken;
  private final int bosId;
  private final int eosId;
  private final Boolean addBos;
  private final Boolean addEos;
  private final int[] eosIds;
  private volatile HuggingFaceTokenizer plainTextTokenizer;

  private HfTokenizer(HfTokenizerFiles files) {
    this.files = files.withoutTokenizerContent();
    this.vocabulary = HfVocabulary.of(files.tokenizer(), files.source());
    this.tokenizer = DjlTokenizers.create(files.tokenizerJson(), files.source());
    List<String> specials = new ArrayList<>();
    for (HfVocabulary.AddedToken t : vocabulary.addedTokens()) {
      if (t.special()) {
        specials.add(t.content());
      }
    }
    this.specialStrings = List.copyOf(specials);
    this.bosToken = tokenString("bos_token");
    this.eosToken = tokenString("eos_token");
    this.bosId = bosToken == null ? -1 : vocabulary.id(bosToken);
    this.eosId = eosToken == null ? -1 : vocabulary.id(eosToken);
    boolean flagsApply =
        CLASSES_WITH_BOS_EOS_FLAGS.contains(files.config().path("tokenizer_class").asText(""));
    // Hugging Face's Llama/Gemma fast tokenizers rebuild the post-processor from these flags at
    // load time, with defaults add_bos_token=true, add_eos_token=false.
    this.addBos = flagsApply ? Objects.requireNonNullElse(flag("add_bos_token"), true) : null;
    this.addEos = flagsApply ? Objects.requireNonNullElse(flag("add_eos_token"), false) : null;
    this.eosIds = collectEosIds();
  }

  /**
   * Loads the tokenizer of a Hugging Face model directory ({@code tokenizer.json} or {@code
   * tokenizer.json.gz}, with {@code tokenizer_config.json}, {@code special_tokens_map.json} and
   * {@code generation_config.json} when present), or of a single {@code tokenizer.json[.gz]} file
   * (config files beside it are read too).
   *
   * @throws IllegalArgumentException when the files are missing or malformed
   * @throws IllegalStateException when the native library cannot be loaded
   */
  public static HfTokenizer load(Path directoryOrFile) {
    return new HfTokenizer(HfTokenizerFiles.read(directoryOrFile));
  }

  /**
   * A tokenizer built in memory from the text of a {@code tokenizer.json} and a {@code
   * tokenizer_config.json} tree (e.g. rebuilt from a GGUF file's vocabulary); {@code source} names
   * it in errors.
   */
  static HfTokenizer inMemory(String source, String tokenizerJson, JsonNode config) {
    JsonNode tree = HfTokenizerFiles.parse(tokenizerJson, Path.of("tokenizer.json"));
    JsonNode none = MissingNode.getInstance();
    return new HfTokenizer(
        new HfTokenizerFiles(source, null, tokenizerJson, tree, config, none, none, null));
  }

  /** A tokenizer of files already read. */
  static HfTokenizer of(HfTokenizerFiles files) {
    return new HfTokenizer(files);
  }

  /**
   * The {@code tokenizer.json} (or {@code tokenizer.json.gz}) file this tokenizer was read from, or
   * null for one built in memory.
   */
  public Path file() {
    return files.tokenizerFile();
  }

  /** The {@code tokenizer.json} text of a tokenizer built in memory; null for one from a file. */
  String inMemoryJson() {
    return files.tokenizerFile() == null ? files.tokenizerJson() : null;
  }

  /** Where this tokenizer was loaded from. */
  public String source() {
    return files.source();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Text that contains a special-token string is encoded by a second native tokenizer without
   * the special added tokens, built (from the file, read again) the first time it is needed.
   */
  @Override
  public int[] encode(String text) {
    HuggingFaceTokenizer t = containsSpecialString(text) ? plainTextTokenizer() : tokenizer;
    return toInts(t.encode(text, false, false).getIds());
  }

  /**
   * Token ids of {@code text} in which special-token strings (e.g. {@code <|im_start|>}) stand for
   * their ids; with {@code addBosEos} also the BOS/EOS the model adds by default (see the class
   * comment).
   */
  public int[] encodeWithSpecials(String text, boolean addBosEos) {
    if (!addBosEos) {
      return toInts(tokenizer.encode(text, false, false).getIds());
    }
    if (addBos == null && addEos == null) {
      return toInts(tokenizer.encode(text, true, false).getIds());
    }
    int[] body = toInts(tokenizer.encode(text, false, false).getIds());
    boolean bos = Boolean.TRUE.equals(addBos) && bosId >= 0;
    boolean eos = Boolean.TRUE.equals(addEos) && eosId >= 0;
    int[] out = new int[body.length + (bos ? 1 : 0) + (eos ? 1 : 0)];
    if (bos) {
      out[0] = bosId;
    }
    System.arraycopy(body, 0, out, bos ? 1 : 0, body.length);
    if (eos) {
      out[out.length - 1] = eosId;
    }
    return out;
  }

  /**
   * Token ids of {@code text} (special-token strings parsed, nothing added) with each token's
   * character range in {@code text} (Java {@code char} indices, end exclusive).
   */
  public TokenOffsets encodeWithOffsets(String text) {
    Encoding encoding = tokenizer.encode(text, false, false);
    int[] ids = toInts(encoding.getIds());
    CharSpan[] spans = encoding.getCharTokenSpans();
    // The library reports offsets in Unicode code points; Java strings index UTF-16 units.
    int[] charIndexOfCodePoint = new int[text.codePointCount(0, text.length()) + 1];
    for (int cp = 0, i = 0; i <= text.length(); cp++) {
      charIndexOfCodePoint[cp] = i;
      if (i == text.length()) {
        break;
      }
      i += Character.charCount(text.codePointAt(i));
    }
    int[] starts = new int[ids.length];
    int[] ends = new int[ids.length];
    for (int k = 0; k < ids.length; k++) {
      starts[k] = charIndexOfCodePoint[spans[k].getStart()];
      ends[k] = charIndexOfCodePoint[spans[k].getEnd()];
    }
    return new TokenOffsets(ids, starts, ends);
  }

  /**
   * Tokenizes rendered chat text: every occurrence of a special-token string becomes that token's
   * id, and the text between is encoded on its own. This equals {@link #encodeWithSpecials(String,
   * boolean) encodeWithSpecials(text, false)} for tokenizers whose special tokens are not
   * normalized (Llama 3, Qwen, GPT-2), and additionally finds special strings that a normalizer
   * would hide: TinyStories' {@code <|end_story|>} is a "normalized" token, so after the Prepend
   * normalizer the library only matches it after a space, and an EOS written right after a word by
   * a chat template would otherwise be tokenized as text.
   */
  public TokenOffsets encodeChat(String text) {
    List<String> present = new ArrayList<>();
    for (String s : specialStrings) {
      if (text.contains(s)) {
        present.add(s);
      }
    }
    int[] ids = new int[16];
    int[] starts = new int[16];
    int[] ends = new int[16];
    int n = 0;
    int pos = 0;
    while (pos < text.length()) {
      int at = -1;
      String special = null;
      for (String s : present) {
        int i = text.indexOf(s, pos);
        if (i >= 0 && (at < 0 || i < at || (i == at && s.length() > special.length()))) {
          at = i;
          special = s;
        }
      }
      int pieceEnd = at < 0 ? text.length() : at;
      TokenOffsets piece =
          pieceEnd > pos ? encodeWithOffsets(text.substring(pos, pieceEnd)) : EMPTY_OFFSETS;
      int needed = n + piece.ids().length + 1;
      if (needed > ids.length) {
        int size = Math.max(needed, ids.length * 2);
        ids = Arrays.copyOf(ids, size);
        starts = Arrays.copyOf(starts, size);
        ends = Arrays.copyOf(ends, size);
      }
      for (int k = 0; k < piece.ids().length; k++, n++) {
        ids[n] = piece.ids()[k];
        starts[n] = pos + piece.starts()[k];
        ends[n] = pos + piece.ends()[k];
      }
      if (special == null) {
        break;
      }
      ids[n] = vocabulary.id(special);
      starts[n] = at;
      ends[n] = at + special.length();
      n++;
      pos = at + special.length();
    }
    return new TokenOffsets(
        Arrays.copyOf(ids, n), Arrays.copyOf(starts, n), Arrays.copyOf(ends, n));
  }

  private static final TokenOffsets EMPTY_OFFSETS =
      new TokenOffsets(new int[0], new int[0], new int[0]);

  /** Token ids with the character range each covers in the encoded text. */
  public record TokenOffsets(int[] ids, int[] starts, int[] ends) {}

  @Override
  public String decode(int[] ids) {
    return decode(ids, false);
  }

  /** The text of {@code ids}, leaving out special tokens (BOS, EOS, ChatML markers...) if asked. */
  public String decode(int[] ids, boolean skipSpecialTokens) {
    long[] longs = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      if (vocabulary.token(ids[i]) == null) {
        throw new IllegalArgumentException(
            "token id "
                + ids[i]
                + " at position "
                + i
                + " is not in the vocabulary of "
                + source()
                + " (size "
                + vocabularySize()
                + ")");
      }
      longs[i] = ids[i];
    }
    return tokenizer.decode(longs, skipSpecialTokens);
  }

  @Override
  public int vocabularySize() {
    return vocabulary.size();
  }

  /** The id of the vocabulary entry {@code token} (e.g. {@code "Ġworld"}, {@code "<|im_end|>"}). */
  public OptionalInt tokenId(String token) {
    int id = vocabulary.id(token);
    return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** The vocabulary entry of {@code id}, as stored (byte-level BPE shows a space as "Ġ"). */
  public String token(int id) {
    String token = vocabulary.token(id);
    if (token == null) {
      throw new IllegalArgumentException("no token has id " + id + " in " + source());
    }
    return token;
  }

  /** Whether {@code id} is a special added token (BOS, EOS, chat markers). */
  public boolean isSpecial(int id) {
    return vocabulary.isSpecial(id);
  }

  /** The BOS string from the config, or null when the model has none (Qwen). */
  public String bosToken() {
    return bosToken;
  }

  /** The EOS string from the config, or null. */
  public String eosToken() {
    return eosToken;
  }

  /**
   * The special tokens a chat template sees, as Hugging Face's {@code special_tokens_map}: {@code
   * bos_token}, {@code eos_token}, {@code unk_token}, {@code sep_token}, {@code pad_token}, {@code
   * cls_token}, {@code mask_token} (those the config sets) and {@code additional_special_tokens}.
   */
  public Map<String, Object> specialTokensMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    for (String key :
        List.of(
            "bos_token",
            "eos_token",
            "unk_token",
            "sep_token",
            "pad_token",
            "cls_token",
            "mask_token")) {
      String value = tokenString(key);
      if (value != null) {
        map.put(key, value);
      }
    }
    JsonNode additional = files.config().path("additional_special_tokens");
    if (!additional.isArray()) {
      additional = files.specialTokensMap().path("additional_special_tokens");
    }
    if (additional.isArray()) {
      List<String> tokens = new ArrayList<>();
      for (JsonNode t : additional) {
        String value = stringOrContent(t);
        if (value != null) {
          tokens.add(value);
        }
      }
      map.put("additional_special_tokens", List.copyOf(tokens));
    }
    return Map.copyOf(map);
  }

  /** The id of {@link #bosToken()}. */
  public OptionalInt bosTokenId() {
    return bosId < 0 ? OptionalInt.empty() : OptionalInt.of(bosId);
  }

  /**
   * Ids that end generation: the EOS token, {@code eos_token_id} of {@code generation_config.json},
   * and end-of-turn markers the chat template emits ({@code <|eot_id|>}, {@code <|im_end|>}...).
   */
  public int[] eosTokenIds() {
    return eosIds.clone();
  }

  /** The {@code chat_template} entry of {@code tokenizer_config.json} (missing node if none). */
  JsonNode chatTemplateConfig() {
    return files.config().path("chat_template");
  }

  /** The text of a {@code chat_template.jinja} beside the tokenizer, or null. */
  String chatTemplateFile() {
    return files.chatTemplateFile();
  }

  @Override
  public void close() {
    tokenizer.close();
    HuggingFaceTokenizer plain = plainTextTokenizer;
    if (plain != null) {
      plain.close();
    }
  }

  private boolean containsSpecialString(String text) {
    for (String s : specialStrings) {
      if (text.contains(s)) {
        return true;
      }
    }
    return false;
  }

  /** A second native tokenizer without the special added tokens, so their strings stay text. */
  private HuggingFaceTokenizer plainTextTokenizer() {
    HuggingFaceTokenizer t = plainTextTokenizer;
    if (t == null) {
      synchronized (this) {
        t = plainTextTokenizer;
        if (t == null) {
          // Read again rather than kept: the text of a large vocabulary weighs tens of MB.
          t =
              DjlTokenizers.create(
                  files.readTokenizerWithoutSpecialTokens(),
                  files.source() + " (specials as text)");
          plainTextTokenizer = t;
        }
      }
    }
    return t;
  }

  private String tokenString(String key) {
    String fromConfig = stringOrContent(files.config().path(key));
    return fromConfig != null ? fromConfig : stringOrContent(files.specialTokensMap().path(key));
  }

  private static String stringOrContent(JsonNode node) {
    if (node.isTextual()) {
      return node.asText();
    }
    if (node.isObject() && node.path("content").isTextual()) {
      return node.path("content").asText();
    }
    return null;
  }

  private Boolean flag(String key) {
    JsonNode node = files.config().path(key);
    return node.isBoolean() ? node.asBoolean() : null;
  }

  private int[] collectEosIds() {
    Set<Integer> ids = new LinkedHashSet<>();
    if (eosId >= 0) {
      ids.add(eosId);
    }
    JsonNode fromGeneration = files.generationConfig().path("eos_token_id");
    if (fromGeneration.isInt()) {
      ids.add(fromGeneration.asInt());
    }
    for (JsonNode id : fromGeneration.isArray() ? fromGeneration : List.<JsonNode>of()) {
      ids.add(id.asInt());
    }
    String templates =
        chatTemplateConfig().toString() + Objects.requireNonNullElse(chatTemplateFile(), "");
    for (String marker : END_OF_TURN_STRINGS) {
      int id = vocabulary.id(marker);
      if (id >= 0 && templates.contains(marker)) {
        ids.add(id);
      }
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int[] toInts(long[] ids) {
    return Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
  }
}
