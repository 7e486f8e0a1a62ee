package dev.lathe.transformer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The model families the engine runs, as one sealed type: everything that differs between a
 * Llama-family decoder and GPT-2 when a model is read from a Hugging Face directory, held for
 * inference, saved, or named by a LoRA adapter. Callers ask the family instead of switching on a
 * {@code model_type} string, so adding a family is adding one case here (and its trainer).
 *
 * @param <C> the family's config
 * @param <W> the family's f32 weights
 */
public sealed interface ModelFamily<C extends ModelConfig, W>
    permits ModelFamily.Llama, ModelFamily.Gpt2 {

  /**
   * The family of {@code modelType}: llama, mistral, qwen2, qwen3 or llama2c (a llama2.c
   * checkpoint) are {@link Llama}; gpt2 is {@link Gpt2}.
   */
  static ModelFamily<?, ?> of(String modelType) {
    return modelType.equals(Gpt2.TYPE) ? new Gpt2() : new Llama(modelType);
  }

  /** The {@code model_type} this model was loaded as. */
  String modelType();

  /** The projections a LoRA adapter can attach to, in the order a block runs them. */
  List<String> loraTargets();

  /** The module path of {@code target} in layer {@code layer}, as PEFT names it. */
  String module(int layer, String target);

  /** The family's shape from a Hugging Face {@code config.json}. */
  C config(HfConfig hf);

  /** The weights under their Hugging Face names, as f32 in the engine's layout. */
  W read(WeightSource source, C config);

  /** A model holding {@code weights} for inference, matmul weights as {@code dtype}. */
  LanguageModel model(C config, W weights, DType dtype);

  /** Writes {@code weights} as a Hugging Face model directory of this family. */
  void save(Path dir, C config, W weights, DType dtype) throws IOException;

  /** Reads a Hugging Face model of this family from {@code source}. */
  default LoadedModel load(
      HfConfig hf, WeightSource source, DType dtype, GenerationConfig generation) {
    C c = config(hf);
    return new LoadedModel(model(c, read(source, c), dtype), modelType(), c, generation);
  }

  /**
   * Llama-family decoders: Llama 2/3, Mistral, Qwen2 (q/k/v bias), Qwen3 (QK-norm) and llama2.c
   * checkpoints, which are saved as {@code llama}.
   *
   * @param modelType llama, mistral, qwen2, qwen3 or llama2c
   */
  record Llama(String modelType) implements ModelFamily<LlamaConfig, LlamaWeights> {
    /** The {@code model_type}s a Hugging Face directory of this family may have. */
    public static final Set<String> HF_TYPES = Set.of("llama", "mistral", "qwen2", "qwen3");

    /** A llama2.c {@code .bin} checkpoint. */
    public static final String LLAMA2C = "llama2c";

    public Llama {
      if (!HF_TYPES.contains(modelType) && !modelType.equals(LLAMA2C)) {
        throw new IllegalArgumentException(
            "model_type "
                + modelType
                + " is not supported: the engine runs "
                + new java.util.TreeSet<>(HF_TYPES)
                + ", gpt2 and llama2.c checkpoints");
      }
    }

    /** The {@code model_type} a save writes: a llama2.c checkpoint becomes {@code llama}. */
    public String hfModelType() {
      return HF_TYPES.contains(modelType) ? modelType : "llama";
    }

    @Override
    public List<String> loraTargets() {
      return LoraModules.LLAMA;
    }

    @Override
    public String module(int layer, String target) {
      return LoraModules.llama(layer, target);
    }

    @Override
    public LlamaConfig config(HfConfig hf) {
      return hf.toLlama();
    }

    @Override
    public LlamaWeights read(WeightSource source, LlamaConfig config) {
      return HfLlamaWeights.read(source, config);
    }

    @Override
    public LlamaModel model(LlamaConfig config, LlamaWeights weights, DType dtype) {
      return new LlamaModel(config, weights, dtype);
    }

    @Override
    public void save(Path dir, LlamaConfig config, LlamaWeights weights, DType dtype)
        throws IOException {
      HfCheckpointWriter.save(dir, hfModelType(), config, weights, dtype);
    }
  }

  /** GPT-2: learned positions, LayerNorm, GELU MLP, Conv1D weights in its files. */
  record Gpt2() implements ModelFamily<Gpt2Config, Gpt2Weights> {
    static final String TYPE = "gpt2";

    @Override
    public String modelType() {
      return TYPE;
    }

    @Override
    public List<String> loraTargets() {
      return LoraModules.GPT2;
    }

    @Override
    public String module(int layer, String target) {
      return LoraModules.gpt2(layer, target);
    }

    @Override
    public Gpt2Config config(HfConfig hf) {
      return hf.toGpt2();
    }

    @Override
    public Gpt2Weights read(WeightSource source, Gpt2Config config) {
      return HfGpt2Weights.read(source, config);
    }

    @Override
    public Gpt2Model model(Gpt2Config config, Gpt2Weights weights, DType dtype) {
      return new Gpt2Model(config, weights, dtype);
    }

    @Override
    public void save(Path dir, Gpt2Config config, Gpt2Weights weights, DType dtype)
        throws IOException {
      HfCheckpointWriter.save(dir, config, weights, dtype);
    }
  }
}
