package dev.lathe.transformer;

import dev.lathe.tensor.Rope;
import dev.lathe.transformer.LlamaTensorNames.Part;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves a model as a Hugging Face directory ({@code config.json} + {@code model.safetensors}) that
 * {@link ModelLoader} and Hugging Face's own loaders read back, with the tensor names of {@code
 * LlamaForCausalLM}-style models or of GPT-2 (Conv1D weights transposed back to [in, out]). Tied
 * output heads are stored once, as the embedding.
 */
public final class HfCheckpointWriter {
  private HfCheckpointWriter() {}

  /**
   * Writes a Llama-family model as {@code modelType} (llama, mistral, qwen2 or qwen3), whose
   * features must match the config: qwen3 ⇔ QK-norm, qwen2 ⇒ attention bias. A model with
   * interleaved RoPE (llama2.c) is converted: its q/k rows are permuted within each head so that
   * rotate-half RoPE computes the same rotation.
   */
  public static void save(Path dir, String modelType, LlamaConfig c, LlamaWeights w, DType dtype)
      throws IOException {
    if (c.ropeStyle() == Rope.Style.INTERLEAVED) {
      w = toRotateHalf(c, w);
      c = c.withRope(c.ropeScaling(), Rope.Style.ROTATE_HALF);
    }
    if (!ModelFamily.Llama.HF_TYPES.contains(modelType)
        || c.qkNorm() != modelType.equals("qwen3")
        || (modelType.equals("qwen2") && (!c.attentionBias() || c.outputBias()))
        || (!modelType.equals("qwen2") && c.attentionBias() != c.outputBias())) {
      throw new IllegalArgumentException(
          "model_type "
              + modelType
              + " does not fit the config (qkNorm="
              + c.qkNorm()
              + ", attentionBias="
              + c.attentionBias()
              + ", outputBias="
              + c.outputBias()
              + "): qwen3 has QK-norm, qwen2 has q/k/v bias and no o bias, the others have"
              + " q/k/v/o bias all or none");
    }
    w.checkShapes(c);
    long C = c.dim();
    long F = c.hiddenDim();
    long q = c.queryDim();
    long kv = c.kvDim();
    LlamaTensorNames n = LlamaTensorNames.HF;
    Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
    t.put(n.embedding(), tensor(w.tokenEmbedding(), c.vocabSize(), C));
    for (int l = 0; l < c.layers(); l++) {
      LlamaWeights.Layer<float[]> x = w.layers().get(l);
      t.put(n.name(l, Part.ATTN_NORM), tensor(x.attnNorm(), C));
      t.put(n.name(l, Part.Q), tensor(x.wq(), q, C));
      t.put(n.name(l, Part.K), tensor(x.wk(), kv, C));
      t.put(n.name(l, Part.V), tensor(x.wv(), kv, C));
      t.put(n.name(l, Part.O), tensor(x.wo(), C, q));
      if (c.attentionBias()) {
        t.put(n.name(l, Part.Q_BIAS), tensor(x.bq(), q));
        t.put(n.name(l, Part.K_BIAS), tensor(x.bk(), kv));
        t.put(n.name(l, Part.V_BIAS), tensor(x.bv(), kv));
      }
      if (c.outputBias()) {
        t.put(n.name(l, Part.O_BIAS), tensor(x.bo(), C));
      }
      if (c.qkNorm()) {
        t.put(n.name(l, Part.Q_NORM), tensor(x.qNorm(), c.headDim()));
        t.put(n.name(l, Part.K_NORM), tensor(x.kNorm(), c.headDim()));
      }
      t.put(n.name(l, Part.FFN_NORM), tensor(x.ffnNorm(), C));
      t.put(n.name(l, Part.GATE), tensor(x.wGate(), F, C));
      t.put(n.name(l, Part.UP), tensor(x.wUp(), F, C));
      t.put(n.name(l, Part.DOWN), tensor(x.wDown(), C, F));
    }
    t.put(n.finalNorm(), tensor(w.finalNorm(), C));
    if (!c.tiedEmbeddings()) {
      t.put(n.head(), tensor(w.classifier(), c.vocabSize(), C));
    }
    Files.createDirectories(dir);
    SafetensorsWriter.write(dir.resolve("model.safetensors"), t, Map.of("format", "pt"), dtype);
    Files.writeString(dir.resolve("config.json"), HfConfig.jsonOf(modelType, c));
  }

  /** Writes a GPT-2 model. */
  public static void save(Path dir, Gpt2Config c, Gpt2Weights w, DType dtype) throws IOException {
    w.checkShapes(c);
    int C = c.dim();
    int F = c.hiddenDim();
    Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
    t.put("transformer.wte.weight", tensor(w.wte(), c.vocabSize(), C));
    t.put("transformer.wpe.weight", tensor(w.wpe(), c.contextLength(), C));
    for (int l = 0; l < c.layers(); l++) {
      Gpt2Weights.Layer<float[]> x = w.layers().get(l);
      String p = "transformer.h." + l + ".";
      t.put(p + "ln_1.weight", tensor(x.ln1Weight(), C));
      t.put(p + "ln_1.bias", tensor(x.ln1Bias(), C));
      t.put(p + "attn.c_attn.weight", conv1d(x.wQkv(), 3 * C, C));
      t.put(p + "attn.c_attn.bias", tensor(x.bQkv(), 3 * C));
      t.put(p + "attn.c_proj.weight", conv1d(x.wProj(), C, C));
      t.put(p + "attn.c_proj.bias", tensor(x.bProj(), C));
      t.put(p + "ln_2.weight", tensor(x.ln2Weight(), C));
      t.put(p + "ln_2.bias", tensor(x.ln2Bias(), C));
      t.put(p + "mlp.c_fc.weight", conv1d(x.wFc(), F, C));
      t.put(p + "mlp.c_fc.bias", tensor(x.bFc(), F));
      t.put(p + "mlp.c_proj.weight", conv1d(x.wFcProj(), C, F));
      t.put(p + "mlp.c_proj.bias", tensor(x.bFcProj(), C));
    }
    t.put("transformer.ln_f.weight", tensor(w.lnfWeight(), C));
    t.put("transformer.ln_f.bias", tensor(w.lnfBias(), C));
    Files.createDirectories(dir);
    SafetensorsWriter.write(dir.resolve("model.safetensors"), t, Map.of("format", "pt"), dtype);
    Files.writeString(dir.resolve("config.json"), HfConfig.jsonOf(c));
  }

  /** Permutes every per-head q/k quantity from interleaved pairs to rotate-half halves. */
  private static LlamaWeights toRotateHalf(LlamaConfig c, LlamaWeights w) {
    int hd = c.headDim();
    int C = c.dim();
    List<LlamaWeights.Layer<float[]>> layers = new ArrayList<>();
    for (LlamaWeights.Layer<float[]> l : w.layers()) {
      layers.add(
          new LlamaWeights.Layer<>(
              l.attnNorm(),
              permuteRows(l.wq(), c.heads(), hd, C),
              permuteRows(l.wk(), c.kvHeads(), hd, C),
              l.wv(),
              l.wo(),
              permuteRows(l.bq(), c.heads(), hd, 1),
              permuteRows(l.bk(), c.kvHeads(), hd, 1),
              l.bv(),
              l.bo(),
              permuteRows(l.qNorm(), 1, hd, 1),
              permuteRows(l.kNorm(), 1, hd, 1),
              l.ffnNorm(),
              l.wGate(),
              l.wUp(),
              l.wDown()));
    }
    return new LlamaWeights(w.tokenEmbedding(), layers, w.finalNorm(), w.classifier());
  }

  /**
   * Rows (heads, hd, width): row {@code 2i} of a head moves to {@code i}, row {@code 2i+1} to
   * {@code hd/2 + i}.
   */
  private static float[] permuteRows(float[] a, int heads, int hd, int width) {
    if (a == null) {
      return null;
    }
    float[] out = new float[a.length];
    int half = hd / 2;
    for (int h = 0; h < heads; h++) {
      for (int i = 0; i < half; i++) {
        int base = h * hd;
        System.arraycopy(a, (base + 2 * i) * width, out, (base + i) * width, width);
        System.arraycopy(a, (base + 2 * i + 1) * width, out, (base + half + i) * width, width);
      }
    }
    return out;
  }

  private static SafetensorsWriter.Tensor tensor(float[] data, long... shape) {
    return new SafetensorsWriter.Tensor(shape, data);
  }

  /** An [out, in] weight stored as HF Conv1D [in, out]. */
  private static SafetensorsWriter.Tensor conv1d(float[] w, int out, int in) {
    return tensor(HfGpt2Weights.transpose(w, out, in), in, out);
  }
}
