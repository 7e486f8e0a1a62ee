package dev.lathe.transformer;

import java.util.ArrayList;
import java.util.List;

/**
 * Maps the tensor names of Hugging Face's Llama-family checkpoints ({@code model.layers.N.…}) to
 * {@link LlamaWeights}. HF stores q/k rows permuted for rotate-half RoPE, so they are used as is.
 */
final class HfLlamaWeights {
  private HfLlamaWeights() {}

  static LlamaWeights read(WeightSource w, LlamaConfig c) {
    long C = c.dim();
    long F = c.hiddenDim();
    long q = c.queryDim();
    long kv = c.kvDim();
    long hd = c.headDim();
    // a tied checkpoint may store the shared matrix only as lm_head.weight, with or without an
    // alias in its metadata
    String embedName =
        c.tiedEmbeddings() && !w.has("model.embed_tokens.weight") && w.has("lm_head.weight")
            ? "lm_head.weight"
            : "model.embed_tokens.weight";
    float[] embedding = w.get(embedName, c.vocabSize(), C);
    List<LlamaWeights.Layer<float[]>> layers = new ArrayList<>();
    for (int l = 0; l < c.layers(); l++) {
      String p = "model.layers." + l + ".";
      String a = p + "self_attn.";
      boolean bias = c.attentionBias();
      boolean qk = c.qkNorm();
      layers.add(
          new LlamaWeights.Layer<>(
              w.get(p + "input_layernorm.weight", C),
              w.get(a + "q_proj.weight", q, C),
              w.get(a + "k_proj.weight", kv, C),
              w.get(a + "v_proj.weight", kv, C),
              w.get(a + "o_proj.weight", C, q),
              bias ? w.get(a + "q_proj.bias", q) : null,
              bias ? w.get(a + "k_proj.bias", kv) : null,
              bias ? w.get(a + "v_proj.bias", kv) : null,
              c.outputBias() ? w.get(a + "o_proj.bias", C) : null,
              qk ? w.get(a + "q_norm.weight", hd) : null,
              qk ? w.get(a + "k_norm.weight", hd) : null,
              w.get(p + "post_attention_layernorm.weight", C),
              w.get(p + "mlp.gate_proj.weight", F, C),
              w.get(p + "mlp.up_proj.weight", F, C),
              w.get(p + "mlp.down_proj.weight", C, F)));
    }
    float[] norm = w.get("model.norm.weight", C);
    float[] head = c.tiedEmbeddings() ? embedding : w.get("lm_head.weight", c.vocabSize(), C);
    return new LlamaWeights(embedding, layers, norm, head);
  }
}
