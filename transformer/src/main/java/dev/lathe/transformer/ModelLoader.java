package dev.lathe.transformer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a model from disk, recognising the format: a Hugging Face directory ({@code config.json}
 * plus safetensors, model types llama, mistral, qwen2, qwen3, gpt2) or a llama2.c {@code .bin}
 * checkpoint, or a GGUF file ({@code .gguf}: llama, qwen2, qwen3; see {@link GgufCheckpoint}).
 * Weights are read as f32 (GGUF's quantized types dequantized), then the matmul weights are held in
 * the dtype {@link LoadOptions} asks for (by default the checkpoint's own: BF16 for a BF16
 * checkpoint, else F32); the files are closed afterwards. A quantized GGUF model therefore runs and
 * trains as an f32 (or bf16) model.
 */
public final class ModelLoader {
  private ModelLoader() {}

  /**
   * Loads the model at {@code path} (a directory, a llama2.c or GGUF file) with default options.
   */
  public static LoadedModel load(Path path) throws IOException {
    return load(path, LoadOptions.DEFAULT);
  }

  /**
   * Loads the model at {@code path} (a directory, a llama2.c or GGUF file) as {@code options} say.
   */
  public static LoadedModel load(Path path, LoadOptions options) throws IOException {
    LoadedModel m = loadWeights(path, options);
    if (options.kvDtype() == m.model().kvDtype()) {
      return m;
    }
    return new LoadedModel(
        m.model().withKvDtype(options.kvDtype()), m.modelType(), m.config(), m.generation());
  }

  private static LoadedModel loadWeights(Path path, LoadOptions options) throws IOException {
    if (Files.isDirectory(path)) {
      Path config = path.resolve("config.json");
      if (!Files.exists(config)) {
        throw new IOException(
            path + ": a model directory needs config.json (a Hugging Face model directory)");
      }
      HfConfig hf = HfConfig.read(config);
      GenerationConfig generation = GenerationConfig.read(path.resolve("generation_config.json"));
      try (WeightSource w = WeightSource.open(path)) {
        DType dtype = options.weightDtype();
        if (dtype == null) {
          dtype = w.storesBf16Matrices() ? DType.BF16 : DType.F32;
        }
        return ModelFamily.of(hf.modelType()).load(hf, w, dtype, options.mapWeights(), generation);
      } catch (IllegalArgumentException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
    if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".gguf")) {
      return GgufCheckpoint.load(path, options);
    }
    if (Files.isRegularFile(path) && path.getFileName().toString().endsWith(".bin")) {
      LlamaModel m = Llama2cCheckpoint.load(path);
      if (options.weightDtype() != null && options.weightDtype() != DType.F32) {
        m = new LlamaModel(m.config(), m.weights(), options.weightDtype());
      }
      return new LoadedModel(m, ModelFamily.Llama.LLAMA2C, m.config(), GenerationConfig.EMPTY);
    }
    throw new IOException(
        path
            + ": not a model: expected a Hugging Face model directory (config.json + safetensors)"
            + ", a llama2.c .bin checkpoint or a .gguf file");
  }
}
