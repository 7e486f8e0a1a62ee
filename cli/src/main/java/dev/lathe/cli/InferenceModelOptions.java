package dev.lathe.cli;

import dev.lathe.transformer.LoadOptions;
import java.io.IOException;
import java.util.Optional;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * How {@code generate} and {@code chat} name the model they run: {@link ModelOptions} and the
 * element type its weights are held in while it runs.
 */
final class InferenceModelOptions extends ModelOptions {

  /** The {@code --dtype} flag's help, shared with {@code serve}. */
  static final String DTYPE_HELP =
      "Hold the matmul weights as f32, bf16, q8_0 (int8 blocks of 32 with a scale, quantized"
          + " on load: about a quarter of f32's memory and faster decode) or q4_0 (4-bit blocks"
          + " of 32: a seventh of f32's memory, less exact). Default: the checkpoint's own.";

  @Option(
      names = "--dtype",
      paramLabel = "T",
      converter = WeightDtype.class,
      description = DTYPE_HELP)
  LoadOptions weights = LoadOptions.DEFAULT;

  /** The {@code --no-mmap} flag's help, shared with {@code serve}. */
  static final String NO_MMAP_HELP =
      "Copy bf16 weights onto the heap instead of reading them straight from the mapped checkpoint"
          + " file (the default, as llama.cpp does: no copy at load, pages shared with other"
          + " processes)";

  @Option(names = "--no-mmap", description = NO_MMAP_HELP + ".")
  boolean noMmap;

  RunnableModel open() throws IOException {
    return RunnableModel.open(
        model, Optional.ofNullable(tokenizer), hub(), noMmap ? weights.inHeap() : weights);
  }

  /** Parses {@code --dtype}: f32, bf16, q8_0 or q4_0, any case. */
  static final class WeightDtype implements ITypeConverter<LoadOptions> {
    @Override
    public LoadOptions convert(String value) {
      try {
        return LoadOptions.named(value, "--dtype");
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }
}
