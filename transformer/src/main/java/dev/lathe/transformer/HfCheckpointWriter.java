package dev.lathe.transformer;

import dev.lathe.tensor.Rope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
   * interleaved RoPE (llama2.c) is converted ({@link RopePairing}) so that rotate-half RoPE
   * computes the same rotation.
   */
  public static void save(Path dir, String modelType, LlamaConfig c, LlamaWeights w, DType dtype)
      throws IOException {
    if (c.ropeStyle() == Rope.Style.INTERLEAVED) {
      w = RopePairing.convert(c, w, Rope.Style.ROTATE_HALF);
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
    Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
    LlamaTensorNames.HF
        .tensors(c, w)
        .forEach((name, e) -> t.put(name, tensor(e.values(), e.shape())));
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

  private static SafetensorsWriter.Tensor tensor(float[] data, long... shape) {
    return new SafetensorsWriter.Tensor(shape, data);
  }

  /** An [out, in] weight stored as HF Conv1D [in, out]. */
  private static SafetensorsWriter.Tensor conv1d(float[] w, int out, int in) {
    return tensor(HfGpt2Weights.transpose(w, out, in), in, out);
  }
}
