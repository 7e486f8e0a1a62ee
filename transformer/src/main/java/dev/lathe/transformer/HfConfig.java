package dev.lathe.transformer;

import dev.lathe.tensor.RopeScaling;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of a Hugging Face {@code config.json} this engine uses, with the library's defaults
 * filled in (GPT-2 names such as {@code n_embd} are mapped to the Llama names).
 *
 * @param modelType llama, mistral, qwen2, qwen3 or gpt2
 * @param hiddenSize model width
 * @param intermediateSize feed-forward width
 * @param layers number of blocks
 * @param heads attention heads
 * @param kvHeads key/value heads (defaults to heads)
 * @param headDim width of one head (defaults to hiddenSize / heads)
 * @param normEps rms_norm_eps (Llama family) or layer_norm_epsilon (GPT-2)
 * @param ropeTheta RoPE base (default 10000)
 * @param ropeScaling RoPE scaling (default none)
 * @param tieWordEmbeddings whether lm_head is the embedding
 * @param maxPositions max_position_embeddings (n_positions for GPT-2)
 * @param attentionBias attention_bias: q/k/v (and, except for qwen2, o) carry a bias; always true
 *     for qwen2
 * @param vocabSize vocabulary size
 * @param slidingWindow Mistral's sliding window, 0 when none
 */
public record HfConfig(
    String modelType,
    int hiddenSize,
    int intermediateSize,
    int layers,
    int heads,
    int kvHeads,
    int headDim,
    double normEps,
    double ropeTheta,
    RopeScaling ropeScaling,
    boolean tieWordEmbeddings,
    int maxPositions,
    boolean attentionBias,
    int vocabSize,
    int slidingWindow) {

  /** Reads {@code config.json}. */
  public static HfConfig read(Path file) throws IOException {
    Map<String, Object> j = Json.parseObject(Files.readString(file), file.toString());
    try {
      return fromJson(j, file.toString());
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  static HfConfig fromJson(Map<String, Object> j, String where) {
    String type = string(j, "model_type", where);
    if (type.equals("gpt2")) {
      int embd = integer(j, "n_embd", where);
      Object inner = j.get("n_inner");
      String act = j.getOrDefault("activation_function", "gelu_new").toString();
      if (!act.equals("gelu_new")) {
        throw new IllegalArgumentException(
            where + ": activation_function " + act + " is not supported (gelu_new is)");
      }
      int heads = integer(j, "n_head", where);
      return new HfConfig(
          type,
          embd,
          inner == null ? 4 * embd : ((Number) inner).intValue(),
          integer(j, "n_layer", where),
          heads,
          heads,
          embd / heads,
          number(j, "layer_norm_epsilon", 1e-5),
          0,
          RopeScaling.NONE,
          bool(j, "tie_word_embeddings", true),
          integer(j, "n_positions", where),
          true,
          integer(j, "vocab_size", where),
          0);
    }
    if (!ModelFamily.Llama.HF_TYPES.contains(type)) {
      throw new IllegalArgumentException(
          where
              + ": model_type "
              + type
              + " is not supported (llama, mistral, qwen2, qwen3 and gpt2 are)");
    }
    String act = j.getOrDefault("hidden_act", "silu").toString();
    if (!act.equals("silu")) {
      throw new IllegalArgumentException(where + ": hidden_act " + act + " is not supported");
    }
    if (bool(j, "mlp_bias", false)) {
      throw new IllegalArgumentException(where + ": mlp_bias true is not supported");
    }
    int hidden = integer(j, "hidden_size", where);
    int heads = integer(j, "num_attention_heads", where);
    Object kv = j.get("num_key_value_heads");
    Object hd = j.get("head_dim");
    Object window = j.get("sliding_window");
    boolean windowed = type.equals("mistral") && window instanceof Number;
    return new HfConfig(
        type,
        hidden,
        integer(j, "intermediate_size", where),
        integer(j, "num_hidden_layers", where),
        heads,
        kv == null ? heads : ((Number) kv).intValue(),
        hd == null ? hidden / heads : ((Number) hd).intValue(),
        number(j, "rms_norm_eps", 1e-6),
        number(j, "rope_theta", 10000),
        ropeScaling(j.get("rope_scaling"), where),
        bool(j, "tie_word_embeddings", false),
        integer(j, "max_position_embeddings", where),
        type.equals("qwen2") || bool(j, "attention_bias", false),
        integer(j, "vocab_size", where),
        windowed ? ((Number) window).intValue() : 0);
  }

  private static RopeScaling ropeScaling(Object o, String where) {
    if (o == null) {
      return RopeScaling.NONE;
    }
    if (!(o instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(where + ": rope_scaling must be an object or null");
    }
    Object type = m.get("rope_type") != null ? m.get("rope_type") : m.get("type");
    String t = type == null ? "default" : type.toString();
    return new RopeScaling(
        t,
        num(m.get("factor"), 1),
        num(m.get("low_freq_factor"), 1),
        num(m.get("high_freq_factor"), 4),
        (int) num(m.get("original_max_position_embeddings"), 0));
  }

  /** The Llama-family config (HF rotate-half RoPE); Mistral's window caps the context. */
  public LlamaConfig toLlama() {
    int context = slidingWindow > 0 ? Math.min(maxPositions, slidingWindow) : maxPositions;
    return new LlamaConfig(
        hiddenSize,
        intermediateSize,
        layers,
        heads,
        kvHeads,
        headDim,
        vocabSize,
        context,
        (float) normEps,
        ropeTheta,
        ropeScaling,
        dev.lathe.tensor.Rope.Style.ROTATE_HALF,
        attentionBias,
        attentionBias && !modelType.equals("qwen2"),
        modelType.equals("qwen3"),
        tieWordEmbeddings);
  }

  /** The GPT-2 config. */
  public Gpt2Config toGpt2() {
    return new Gpt2Config(
        hiddenSize, intermediateSize, layers, heads, vocabSize, maxPositions, (float) normEps);
  }

  /** The config.json text of {@code c} for {@code modelType} (llama, mistral, qwen2, qwen3). */
  static String jsonOf(String modelType, LlamaConfig c) {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("model_type", modelType);
    j.put("hidden_size", c.dim());
    j.put("intermediate_size", c.hiddenDim());
    j.put("num_hidden_layers", c.layers());
    j.put("num_attention_heads", c.heads());
    j.put("num_key_value_heads", c.kvHeads());
    j.put("head_dim", c.headDim());
    j.put("rms_norm_eps", (double) c.normEps());
    j.put("rope_theta", c.ropeTheta());
    j.put("rope_scaling", scalingJson(c.ropeScaling()));
    j.put("tie_word_embeddings", c.tiedEmbeddings());
    j.put("max_position_embeddings", c.contextLength());
    j.put("attention_bias", c.attentionBias());
    j.put("vocab_size", c.vocabSize());
    j.put("hidden_act", "silu");
    j.put("torch_dtype", "float32");
    return Json.write(j);
  }

  /** The config.json text of a GPT-2 config. */
  static String jsonOf(Gpt2Config c) {
    Map<String, Object> j = new LinkedHashMap<>();
    j.put("model_type", "gpt2");
    j.put("n_embd", c.dim());
    j.put("n_inner", c.hiddenDim());
    j.put("n_layer", c.layers());
    j.put("n_head", c.heads());
    j.put("n_positions", c.contextLength());
    j.put("layer_norm_epsilon", (double) c.normEps());
    j.put("vocab_size", c.vocabSize());
    j.put("activation_function", "gelu_new");
    j.put("tie_word_embeddings", true);
    return Json.write(j);
  }

  private static Object scalingJson(RopeScaling s) {
    if (s.type().equals("default")) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rope_type", s.type());
    m.put("factor", s.factor());
    if (s.type().equals("llama3")) {
      m.put("low_freq_factor", s.lowFreqFactor());
      m.put("high_freq_factor", s.highFreqFactor());
      m.put("original_max_position_embeddings", s.originalMaxPositions());
    }
    return m;
  }

  private static String string(Map<String, Object> j, String key, String where) {
    if (!(j.get(key) instanceof String s)) {
      throw new IllegalArgumentException(where + ": missing string field " + key);
    }
    return s;
  }

  private static int integer(Map<String, Object> j, String key, String where) {
    if (!(j.get(key) instanceof Number n)) {
      throw new IllegalArgumentException(where + ": missing number field " + key);
    }
    return n.intValue();
  }

  private static double number(Map<String, Object> j, String key, double fallback) {
    return num(j.get(key), fallback);
  }

  private static double num(Object o, double fallback) {
    return o instanceof Number n ? n.doubleValue() : fallback;
  }

  private static boolean bool(Map<String, Object> j, String key, boolean fallback) {
    return j.get(key) instanceof Boolean b ? b : fallback;
  }
}
