package dev.lathe.finetune;

import dev.lathe.tokenizer.GgufTokenizerJson;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.GgmlType;
import dev.lathe.transformer.GgufCheckpoint;
import dev.lathe.transformer.GgufFile;
import dev.lathe.transformer.HfConfig;
import dev.lathe.transformer.LoadOptions;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelConfig;
import dev.lathe.transformer.ModelLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What a fine-tune starts from: a Hugging Face model directory (weights, {@code tokenizer.json} and
 * chat template as they are), or one GGUF file ({@code .gguf}), whose weights of any type Lathe
 * reads are dequantized to f32 on load (bf16 when the file stores bf16 matrices and no quantized
 * ones), and whose tokenizer and chat template come from its metadata ({@link GgufTokenizerJson}).
 * A merged model of a GGUF base gets that tokenizer as files ({@link #writeTokenizerFiles}), so it
 * is a self-contained Hugging Face directory.
 */
public final class TrainingBase {
  private TrainingBase() {}

  /** Whether {@code model} is a GGUF file. */
  public static boolean isGguf(Path model) {
    return Files.isRegularFile(model) && model.getFileName().toString().endsWith(".gguf");
  }

  /**
   * The model at {@code model} held for training: never quantized (a GGUF file's Q8_0 matrices are
   * dequantized to f32), and on the heap, not read from the mapped file (the trainer keeps its base
   * in arrays; a copy from the mapping would keep the file's pages resident besides them).
   */
  public static LoadedModel load(Path model) throws IOException {
    if (!isGguf(model)) {
      return ModelLoader.load(model, LoadOptions.DEFAULT.mapped(false));
    }
    return ModelLoader.load(model, LoadOptions.weights(heldAs(model)).mapped(false));
  }

  /**
   * The tokenizer examples for {@code model} are rendered with: a directory's {@code
   * tokenizer.json}, or the vocabulary a GGUF file embeds.
   *
   * @throws IllegalArgumentException when there is none Lathe can train with (the message names the
   *     file and, for a GGUF file, the metadata key)
   */
  public static HfTokenizer tokenizer(Path model) throws IOException {
    return isGguf(model) ? ggufTokenizer(model).open() : HfTokenizer.load(model);
  }

  /**
   * The shape of {@code model}: a directory's {@code config.json} or a GGUF file's metadata, read
   * without loading weights.
   */
  public static ModelConfig shape(Path model) throws IOException {
    if (isGguf(model)) {
      return GgufCheckpoint.config(model);
    }
    HfConfig config = HfConfig.read(model.resolve("config.json"));
    return config.modelType().equals("gpt2") ? config.toGpt2() : config.toLlama();
  }

  /**
   * What training does to a GGUF base's weights, e.g. {@code "base x.gguf: Q8_0 weights dequantized
   * to f32 for training"}; empty for a directory.
   */
  public static Optional<String> notice(Path model) throws IOException {
    if (!isGguf(model)) {
      return Optional.empty();
    }
    TreeSet<String> stored = new TreeSet<>();
    try (GgufFile g = GgufFile.open(model)) {
      for (GgufFile.TensorInfo t : g.tensors().values()) {
        if (t.ne().length >= 2 && t.type() != GgmlType.F32) {
          stored.add(String.valueOf(t.type()));
        }
      }
    }
    String held = heldAs(model).name().toLowerCase(Locale.ROOT);
    String name = model.getFileName().toString();
    return Optional.of(
        stored.isEmpty()
            ? "base " + name + ": F32 weights, trained in f32; tokenizer from its metadata"
            : "base "
                + name
                + ": "
                + String.join("/", stored)
                + " weights "
                + (stored.equals(new TreeSet<>(List.of("BF16")))
                    ? "held in bf16"
                    : "dequantized to " + held)
                + " for training; tokenizer from its metadata");
  }

  /**
   * Writes the tokenizer files of {@code base} into the model directory {@code dir}: a GGUF file's
   * {@code tokenizer.json} and {@code tokenizer_config.json} (with its chat template); a
   * directory's own files ({@link ModelExport#TOKENIZER_FILES}) copied.
   */
  static void writeTokenizerFiles(Path base, Path dir) throws IOException {
    if (isGguf(base)) {
      ggufTokenizer(base).write(dir);
      return;
    }
    if (base != null && Files.isDirectory(base)) {
      for (String name : ModelExport.TOKENIZER_FILES) {
        Path from = base.resolve(name);
        if (Files.isRegularFile(from)) {
          Files.copy(from, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  /**
   * The tokenizer files the metadata of GGUF file {@code file} describes.
   *
   * @throws IllegalArgumentException when the file embeds no vocabulary Lathe can train with
   */
  public static GgufTokenizerJson ggufTokenizer(Path file) throws IOException {
    try (GgufFile g = GgufFile.open(file)) {
      return GgufTokenizerJson.of(g.metadata(), file.toString());
    }
  }

  /** F32, or BF16 for a file whose matrices are stored as BF16 and none quantized. */
  private static DType heldAs(Path gguf) throws IOException {
    try (GgufFile g = GgufFile.open(gguf)) {
      boolean bf16 = false;
      for (GgufFile.TensorInfo t : g.tensors().values()) {
        if (t.ne().length >= 2 && t.type() != GgmlType.F32) {
          if (t.type() != GgmlType.BF16) {
            return DType.F32;
          }
          bf16 = true;
        }
      }
      return bf16 ? DType.BF16 : DType.F32;
    }
  }
}
