package dev.lathe.transformer;

/**
 * A model ready to run, with what was learned while loading it.
 *
 * @param model the forward pass
 * @param modelType llama, mistral, qwen2, qwen3, gpt2, or llama2c for a llama2.c checkpoint
 * @param config its shape
 * @param generation default decoding settings ({@link GenerationConfig#EMPTY} when none)
 */
public record LoadedModel(
    LanguageModel model, String modelType, ModelConfig config, GenerationConfig generation) {

  /** The family {@link #modelType} belongs to. */
  public ModelFamily<?, ?> family() {
    return ModelFamily.of(modelType);
  }
}
