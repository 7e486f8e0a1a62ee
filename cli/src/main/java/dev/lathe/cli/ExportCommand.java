package dev.lathe.cli;

import dev.lathe.finetune.GgufExport;
import dev.lathe.transformer.GgmlType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lathe export}: writes a model as one GGUF file (tokenizer and chat template inside) with
 * an Ollama {@code Modelfile} beside it.
 *
 * <p>Exit status: 0 written, 2 unusable call or a source that cannot be exported (nothing written).
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = {
      "Export a model as GGUF for llama.cpp and Ollama, with a Modelfile beside it.",
      "SOURCE: a Hugging Face model directory (e.g. a merged fine-tune), a fine-tuning run"
          + " directory (--out of lathe train, or a server job's directory: its merged model),"
          + " a LoRA adapter directory (merged into its base first) or a .gguf file."
    })
public final class ExportCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "SOURCE", description = "The model to export.")
  Path source;

  @Option(
      names = "--format",
      defaultValue = "gguf",
      paramLabel = "F",
      description = "Output format: gguf (the only one).")
  String format;

  @Option(
      names = "--type",
      defaultValue = "f16",
      paramLabel = "T",
      description =
          "How matrices are stored: f16 (default), q8_0 (8-bit, ggml's Q8_0), q4_0 (4-bit,"
              + " ggml's Q4_0), f32 or bf16; norms and biases stay f32.")
  String type;

  @Option(
      names = "--out",
      paramLabel = "FILE",
      description = "The .gguf file to write (default: <source name>-<type>.gguf here).")
  Path out;

  @Option(
      names = "--base",
      paramLabel = "DIR",
      description =
          "The base model of a LoRA adapter SOURCE (default: its base_model_name_or_path).")
  Path base;

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      if (!format.equals("gguf")) {
        throw new IllegalArgumentException(
            "--format " + format + " is not supported: Lathe exports gguf");
      }
      GgmlType t = GgufExport.type(type);
      Path file = out;
      if (file == null) {
        Path name = source.toAbsolutePath().normalize().getFileName();
        String stem = name == null ? "model" : name.toString().replaceFirst("\\.gguf$", "");
        file = Path.of(stem + "-" + type.toLowerCase(Locale.ROOT) + ".gguf");
      }
      if (!file.getFileName().toString().endsWith(".gguf")) {
        throw new IllegalArgumentException("--out " + file + " must name a .gguf file");
      }
      GgufExport.Result r = GgufExport.export(source, file, t, Optional.ofNullable(base));
      stdout.printf(
          Locale.ROOT,
          "wrote %s (%s, %s, %.1f MB) and %s%nollama create NAME -f %s%n",
          r.gguf(),
          r.architecture(),
          type.toLowerCase(Locale.ROOT),
          r.bytes() / 1e6,
          r.modelfile(),
          r.modelfile());
      stdout.flush();
      return 0;
    } catch (Exception e) {
      err.println("lathe export: " + e.getMessage());
      err.flush();
      return 2;
    }
  }
}
