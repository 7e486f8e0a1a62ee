package dev.lathe.transformer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each tensor of a Llama-family model lives in one checkpoint format, so that one reader
 * ({@link #read}) and its inverse ({@link #tensors}, for writers) serve every format: Hugging
 * Face's {@code model.layers.N.self_attn.q_proj.weight} and GGUF's {@code blk.N.attn_q.weight} name
 * the same roles.
 *
 * @param embedding the token embedding
 * @param finalNorm the norm after the last block
 * @param head the output projection (absent when tied)
 * @param layerPrefix the prefix of block {@code N}'s tensors, with {@code %d} for N
 * @param parts the suffix after the prefix of each part of a block, in {@link Part} order
 */
record LlamaTensorNames(
    String embedding, String finalNorm, String head, String layerPrefix, String... parts) {

  /** The parts of one block, in the order {@link LlamaWeights.Layer} takes them. */
  enum Part {
    ATTN_NORM,
    Q,
    K,
    V,
    O,
    Q_BIAS,
    K_BIAS,
    V_BIAS,
    O_BIAS,
    Q_NORM,
    K_NORM,
    FFN_NORM,
    GATE,
    UP,
    DOWN
  }

  /** Hugging Face's names. */
  static final LlamaTensorNames HF =
      new LlamaTensorNames(
          "model.embed_tokens.weight",
          "model.norm.weight",
          "lm_head.weight",
          "model.layers.%d.",
          "input_layernorm.weight",
          "self_attn.q_proj.weight",
          "self_attn.k_proj.weight",
          "self_attn.v_proj.weight",
          "self_attn.o_proj.weight",
          "self_attn.q_proj.bias",
          "self_attn.k_proj.bias",
          "self_attn.v_proj.bias",
          "self_attn.o_proj.bias",
          "self_attn.q_norm.weight",
          "self_attn.k_norm.weight",
          "post_attention_layernorm.weight",
          "mlp.gate_proj.weight",
          "mlp.up_proj.weight",
          "mlp.down_proj.weight");

  /** llama.cpp's GGUF names. */
  static final LlamaTensorNames GGUF =
      new LlamaTensorNames(
          "token_embd.weight",
          "output_norm.weight",
          "output.weight",
          "blk.%d.",
          "attn_norm.weight",
          "attn_q.weight",
          "attn_k.weight",
          "attn_v.weight",
          "attn_output.weight",
          "attn_q.bias",
          "attn_k.bias",
          "attn_v.bias",
          "attn_output.bias",
          "attn_q_norm.weight",
          "attn_k_norm.weight",
          "ffn_norm.weight",
          "ffn_gate.weight",
          "ffn_up.weight",
          "ffn_down.weight");

  LlamaTensorNames {
    if (parts.length != Part.values().length) {
      throw new IllegalArgumentException("one name per part: " + Part.values().length);
    }
  }

  /** Reads a tensor of the given shape by name. */
  @FunctionalInterface
  interface Tensors {
    float[] get(String name, long... shape);
  }

  /** The name of {@code part} of block {@code layer}. */
  String name(int layer, Part part) {
    return layerPrefix.formatted(layer) + parts[part.ordinal()];
  }

  /** Reads a matrix of the given shape by name, as the model will hold it. */
  @FunctionalInterface
  interface Matrices<M> {
    M get(String name, long rows, long cols);
  }

  /**
   * A model's tensors as read: matrices as {@code M}, norms and biases f32.
   *
   * @param head the same object as embedding when tied
   */
  record Parts<M>(M embedding, List<LlamaWeights.Layer<M>> layers, float[] finalNorm, M head) {}

  /**
   * The weights of config {@code c} read through {@code t} under these names; {@code embeddingName}
   * is the name the embedding is read from (a tied checkpoint may store it only as the head).
   */
  LlamaWeights read(LlamaConfig c, Tensors t, String embeddingName) {
    Parts<float[]> p = read(c, t, t::get, embeddingName);
    return new LlamaWeights(p.embedding(), p.layers(), p.finalNorm(), p.head());
  }

  /**
   * As {@link #read(LlamaConfig, Tensors, String)} with each matrix read through {@code m} (e.g.
   * straight into the type the model holds, one tensor at a time) and the rest through {@code t}.
   */
  <M> Parts<M> read(LlamaConfig c, Tensors t, Matrices<M> m, String embeddingName) {
    long C = c.dim();
    long F = c.hiddenDim();
    long q = c.queryDim();
    long kv = c.kvDim();
    long hd = c.headDim();
    M embedding = m.get(embeddingName, c.vocabSize(), C);
    List<LlamaWeights.Layer<M>> layers = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      boolean bias = c.attentionBias();
      boolean qk = c.qkNorm();
      layers.add(
          new LlamaWeights.Layer<>(
              t.get(name(l, Part.ATTN_NORM), C),
              m.get(name(l, Part.Q), q, C),
              m.get(name(l, Part.K), kv, C),
              m.get(name(l, Part.V), kv, C),
              m.get(name(l, Part.O), C, q),
              bias ? t.get(name(l, Part.Q_BIAS), q) : null,
              bias ? t.get(name(l, Part.K_BIAS), kv) : null,
              bias ? t.get(name(l, Part.V_BIAS), kv) : null,
              c.outputBias() ? t.get(name(l, Part.O_BIAS), C) : null,
              qk ? t.get(name(l, Part.Q_NORM), hd) : null,
              qk ? t.get(name(l, Part.K_NORM), hd) : null,
              t.get(name(l, Part.FFN_NORM), C),
              m.get(name(l, Part.GATE), F, C),
              m.get(name(l, Part.UP), F, C),
              m.get(name(l, Part.DOWN), C, F)));
    }
    float[] norm = t.get(finalNorm, C);
    M out = c.tiedEmbeddings() ? embedding : m.get(head, c.vocabSize(), C);
    return new Parts<>(embedding, layers, norm, out);
  }

  /** One tensor to store: its row-major shape and values. */
  record Entry(long[] shape, float[] values) {}

  /**
   * Every tensor of {@code w} under these names, in file order, with the shapes {@link #read}
   * expects: the exact inverse of {@link #read}. Absent parts (biases, QK-norms) are left out, and
   * so is the head of a tied model.
   */
  Map<String, Entry> tensors(LlamaConfig c, LlamaWeights w) {
    w.checkShapes(c);
    long C = c.dim();
    long F = c.hiddenDim();
    long q = c.queryDim();
    long kv = c.kvDim();
    long hd = c.headDim();
    Map<String, Entry> t = new LinkedHashMap<>();
    t.put(embedding, new Entry(new long[] {c.vocabSize(), C}, w.tokenEmbedding()));
    for (int l = 0; l < c.layers(); l++) {
      LlamaWeights.Layer<float[]> x = w.layers().get(l);
      put(t, l, Part.ATTN_NORM, x.attnNorm(), C);
      put(t, l, Part.Q, x.wq(), q, C);
      put(t, l, Part.K, x.wk(), kv, C);
      put(t, l, Part.V, x.wv(), kv, C);
      put(t, l, Part.O, x.wo(), C, q);
      if (c.attentionBias()) {
        put(t, l, Part.Q_BIAS, x.bq(), q);
        put(t, l, Part.K_BIAS, x.bk(), kv);
        put(t, l, Part.V_BIAS, x.bv(), kv);
      }
      if (c.outputBias()) {
        put(t, l, Part.O_BIAS, x.bo(), C);
      }
      if (c.qkNorm()) {
        put(t, l, Part.Q_NORM, x.qNorm(), hd);
        put(t, l, Part.K_NORM, x.kNorm(), hd);
      }
      put(t, l, Part.FFN_NORM, x.ffnNorm(), C);
      put(t, l, Part.GATE, x.wGate(), F, C);
      put(t, l, Part.UP, x.wUp(), F, C);
      put(t, l, Part.DOWN, x.wDown(), C, F);
    }
    t.put(finalNorm, new Entry(new long[] {C}, w.finalNorm()));
    if (!c.tiedEmbeddings()) {
      t.put(head, new Entry(new long[] {c.vocabSize(), C}, w.classifier()));
    }
    return t;
  }

  private void put(Map<String, Entry> t, int layer, Part part, float[] values, long... shape) {
    t.put(name(layer, part), new Entry(shape, values));
  }
}
