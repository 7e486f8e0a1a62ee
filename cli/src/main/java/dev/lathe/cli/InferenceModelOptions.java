package dev.lathe.cli;

import dev.lathe.transformer.KvDtype;
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

  /** The {@code --mmap} flag's help, shared with {@code serve}. */
  static final String MMAP_HELP =
      "Read bf16 weights straight from the mapped checkpoint file instead of copying them onto the"
          + " heap: near-instant load, pages shared with other processes, a smaller heap; batched"
          + " decode ran about a fifth slower so on the benchmark machine";

  @Option(names = "--mmap", description = MMAP_HELP + ".")
  boolean mmap;

  /** The {@code --kv-cache-dtype} flag's help, shared with {@code serve}. */
  static final String KV_HELP =
      "Hold the attention keys and values of the sequence as f32 or bf16 (half the memory per"
          + " cached position, rounded to bf16's precision)";

  @Option(
      names = "--kv-cache-dtype",
      paramLabel = "T",
      converter = CacheDtype.class,
      description = KV_HELP + ". Default: f32.")
  KvDtype kvCacheDtype = KvDtype.F32;

  RunnableModel open() throws IOException {
    return RunnableModel.open(
        model,
        Optional.ofNullable(tokenizer),
        hub(),
        weights.mapped(mmap).withKvDtype(kvCacheDtype));
  }

  /** Parses {@code --kv-cache-dtype}: f32 or bf16, any case. */
  static final class CacheDtype implements ITypeConverter<KvDtype> {
    @Override
    public KvDtype convert(String value) {
      try {
        return KvDtype.named(value, "--kv-cache-dtype");
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
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
