package dev.lathe.transformer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The model families the engine runs, as one sealed type: everything that differs between a
 * Llama-family decoder and GPT-2 when a model is read from a Hugging Face directory, held for
 * inference, trained, saved, or named by a LoRA adapter. Each family is one constructor call naming
 * its parts; callers ask the family instead of switching on a {@code model_type} string or on the
 * model's class.
 *
 * @param <C> the family's config
 * @param <W> the family's f32 weights
 */
public abstract sealed class ModelFamily<C extends ModelConfig, W extends ModelWeights<C>>
    permits ModelFamily.Llama, ModelFamily.Gpt2 {

  /** Builds the inference model of a family from its config and weights. */
  interface Builder<C extends ModelConfig, W extends ModelWeights<C>> {
    DecoderModel<C, W, ?, ?, ?> model(C config, W weights, DType dtype);
  }

  /** Writes a family's weights as a Hugging Face model directory. */
  interface Writer<C, W> {
    void save(Path dir, C config, W weights, DType dtype) throws IOException;
  }

  /** Names the module of a LoRA target in one layer, as PEFT spells it. */
  interface ModuleNames {
    String module(int layer, String target);
  }

  private final String modelType;
  private final List<String> loraTargets;
  private final ModuleNames modules;
  private final Function<HfConfig, C> config;
  private final BiFunction<WeightSource, C, W> reader;
  private final Class<? extends DecoderModel<C, W, ?, ?, ?>> modelClass;
  private final Builder<C, W> builder;
  private final Writer<C, W> writer;

  private ModelFamily(
      String modelType,
      List<String> loraTargets,
      ModuleNames modules,
      Function<HfConfig, C> config,
      BiFunction<WeightSource, C, W> reader,
      Class<? extends DecoderModel<C, W, ?, ?, ?>> modelClass,
      Builder<C, W> builder,
      Writer<C, W> writer) {
    this.modelType = modelType;
    this.loraTargets = loraTargets;
    this.modules = modules;
    this.config = config;
    this.reader = reader;
    this.modelClass = modelClass;
    this.builder = builder;
    this.writer = writer;
  }

  /**
   * The family of {@code modelType}: llama, mistral, qwen2, qwen3 or llama2c (a llama2.c
   * checkpoint) are {@link Llama}; gpt2 is {@link Gpt2}.
   */
  public static ModelFamily<?, ?> of(String modelType) {
    return modelType.equals(Gpt2.TYPE) ? new Gpt2() : new Llama(modelType);
  }

  /** The {@code model_type} this model was loaded as. */
  public String modelType() {
    return modelType;
  }

  /** The projections a LoRA adapter can attach to, in the order a block runs them. */
  public List<String> loraTargets() {
    return loraTargets;
  }

  /** The module path of {@code target} in layer {@code layer}, as PEFT names it. */
  public String module(int layer, String target) {
    return modules.module(layer, target);
  }

  /**
   * Reads a Hugging Face model of this family from {@code source}, matmul weights as {@code dtype}
   * (BF16 ones read from the mapped file when {@code map} and the family holds them so).
   */
  public LoadedModel load(
      HfConfig hf, WeightSource source, DType dtype, boolean map, GenerationConfig generation) {
    C c = config.apply(hf);
    return new LoadedModel(
        builder.model(c, reader.apply(source, c), dtype), modelType, c, generation);
  }

  /**
   * {@code model} as this family's decoder (its config and weights), for a trainer of the family
   * ({@code train.Training} picks the trainer by the sealed family).
   *
   * @throws UnsupportedOperationException when {@code model} is not this family's model
   */
  public DecoderModel<C, W, ?, ?, ?> decoder(LanguageModel model) {
    if (!modelClass.isInstance(model)) {
      throw new UnsupportedOperationException(
          "a "
              + modelType
              + " model is trained as a "
              + modelClass.getSimpleName()
              + "; this model is a "
              + model.getClass().getSimpleName());
    }
    return modelClass.cast(model);
  }

  /** Writes {@code weights} as a Hugging Face model directory of this family. */
  public void save(Path dir, C config, W weights, DType dtype) throws IOException {
    writer.save(dir, config, weights, dtype);
  }

  @Override
  public String toString() {
    return modelType;
  }

  /**
   * Llama-family decoders: Llama 2/3, Mistral, Qwen2 (q/k/v bias), Qwen3 (QK-norm) and llama2.c
   * checkpoints, which are saved as {@code llama}.
   */
  public static final class Llama extends ModelFamily<LlamaConfig, LlamaWeights> {
    /** The {@code model_type}s a Hugging Face directory of this family may have. */
    public static final Set<String> HF_TYPES = Set.of("llama", "mistral", "qwen2", "qwen3");

    /** A llama2.c {@code .bin} checkpoint. */
    public static final String LLAMA2C = "llama2c";

    /** The family as {@code modelType}: llama, mistral, qwen2, qwen3 or llama2c. */
    public Llama(String modelType) {
      if (!HF_TYPES.contains(modelType) && !modelType.equals(LLAMA2C)) {
        throw new IllegalArgumentException(
            "model_type "
                + modelType
                + " is not supported: the engine runs "
                + new TreeSet<>(HF_TYPES)
                + ", gpt2 and llama2.c checkpoints");
      }
      String saved = HF_TYPES.contains(modelType) ? modelType : "llama";
      super(
          modelType,
          LoraModules.LLAMA,
          LoraModules::llama,
          HfConfig::toLlama,
          HfLlamaWeights::read,
          LlamaModel.class,
          LlamaModel::new,
          (dir, c, w, dtype) -> HfCheckpointWriter.save(dir, saved, c, w, dtype));
    }

    /**
     * As the family's load, but matrices held in bf16, Q8_0 or Q4_0 are read straight into that
     * type one tensor at a time, so the model never exists in f32 while it loads; BF16 matrices
     * stored as BF16 are used from the mapped file when {@code map}.
     */
    @Override
    public LoadedModel load(
        HfConfig hf, WeightSource source, DType dtype, boolean map, GenerationConfig generation) {
      if (dtype == DType.F32) {
        return super.load(hf, source, dtype, map, generation);
      }
      LlamaConfig c = hf.toLlama();
      return new LoadedModel(
          HfLlamaWeights.readHeld(source, c, dtype, map), modelType(), c, generation);
    }
  }

  /** GPT-2: learned positions, LayerNorm, GELU MLP, Conv1D weights in its files. */
  public static final class Gpt2 extends ModelFamily<Gpt2Config, Gpt2Weights> {
    static final String TYPE = "gpt2";

    public Gpt2() {
      super(
          TYPE,
          LoraModules.GPT2,
          LoraModules::gpt2,
          HfConfig::toGpt2,
          HfGpt2Weights::read,
          Gpt2Model.class,
          Gpt2Model::new,
          HfCheckpointWriter::save);
    }
  }
}
