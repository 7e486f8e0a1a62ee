package dev.lathe.server;

import dev.lathe.transformer.DType;
import dev.lathe.transformer.HfCheckpointWriter;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.SafetensorsWriter;
import dev.lathe.transformer.train.LlamaTrainer;
import dev.lathe.transformer.train.LoraConfig;
import dev.lathe.transformer.train.Parameter;
import dev.lathe.transformer.train.TrainableModel;
import dev.lathe.transformer.train.Training;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * What a succeeded fine-tuning job leaves on disk, for the serving tests: LoRA parameters filled
 * with random values (B not zero, so the fine-tune answers differently from its base), written as a
 * PEFT adapter directory (the trainer's own tensor names) or merged into a Hugging Face model
 * directory (a full fine-tune).
 */
final class FineTuneFiles {
  private FineTuneFiles() {}

  /** A LoRA trainer over {@code base} whose adapter matrices are all random. */
  static TrainableModel randomLora(LoadedModel base, LoraConfig lora, long seed) {
    TrainableModel trainer = Training.lora(base, lora, new SplittableRandom(seed));
    SplittableRandom r = new SplittableRandom(seed + 100);
    for (Parameter p : trainer.trainableParameters()) {
      float[] v = new float[p.value().length];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) ((r.nextDouble() * 2 - 1) * 0.3);
      }
      trainer.setParameter(p.name(), v);
    }
    return trainer;
  }

  /** {@code adapter_model.safetensors} and a minimal {@code adapter_config.json}. */
  static void writeAdapter(Path dir, TrainableModel trainer, LoraConfig lora) throws IOException {
    Files.createDirectories(dir);
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    for (Parameter p : trainer.trainableParameters()) {
      tensors.put(
          p.name(),
          new SafetensorsWriter.Tensor(new long[] {p.shape()[0], p.shape()[1]}, p.value()));
    }
    SafetensorsWriter.write(
        dir.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"), DType.F32);
    Files.writeString(
        dir.resolve("adapter_config.json"),
        "{\"peft_type\": \"LORA\", \"r\": "
            + lora.rank()
            + ", \"lora_alpha\": "
            + lora.alpha()
            + ", \"bias\": \"none\"}");
  }

  /**
   * The Llama-family trainer's merged weights as a model directory, with the tokenizer of {@code
   * tokenizerDir} when given.
   */
  static void writeMerged(Path dir, TrainableModel trainer, Path tokenizerDir) throws IOException {
    LlamaTrainer llama = (LlamaTrainer) trainer;
    HfCheckpointWriter.save(dir, "llama", llama.config(), llama.mergedWeights(), DType.F32);
    if (tokenizerDir != null) {
      for (String name :
          new String[] {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
        if (Files.isRegularFile(tokenizerDir.resolve(name))) {
          Files.copy(tokenizerDir.resolve(name), dir.resolve(name));
        }
      }
    }
  }
}
