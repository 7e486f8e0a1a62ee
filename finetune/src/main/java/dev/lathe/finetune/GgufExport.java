package dev.lathe.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.tokenizer.GgufVocab;
import dev.lathe.transformer.GgmlType;
import dev.lathe.transformer.GgufCheckpoint;
import dev.lathe.transformer.GgufFile;
import dev.lathe.transformer.LlamaModel;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Exports a model as one GGUF file that llama.cpp and Ollama load, with an Ollama {@code Modelfile}
 * beside it ({@link OllamaModelfile}). The source is any of:
 *
 * <ul>
 *   <li>a Hugging Face model directory ({@code config.json}), e.g. a merged fine-tune;
 *   <li>a fine-tuning run directory (its {@code merged/} model);
 *   <li>a PEFT LoRA adapter directory ({@code adapter_config.json}), merged first into its base
 *       model ({@code base_model_name_or_path}, or the base given);
 *   <li>a {@code .gguf} file (re-written in another type, its tokenizer metadata kept).
 * </ul>
 *
 * The tokenizer and chat template travel inside the file ({@link GgufVocab}); the weights as {@link
 * GgufCheckpoint#save} writes them.
 */
public final class GgufExport {
  private GgufExport() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Matrix types {@code --type} accepts, by their lower-case names. */
  public static final Map<String, GgmlType> TYPES =
      Map.of(
          "f32",
          GgmlType.F32,
          "f16",
          GgmlType.F16,
          "bf16",
          GgmlType.BF16,
          "q8_0",
          GgmlType.Q8_0,
          "q4_0",
          GgmlType.Q4_0);

  /**
   * What was written.
   *
   * @param gguf the model file
   * @param modelfile the Ollama Modelfile beside it
   * @param architecture its {@code general.architecture}
   * @param type how its matrices are stored
   * @param bytes the size of {@code gguf}
   */
  public record Result(Path gguf, Path modelfile, String architecture, GgmlType type, long bytes) {}

  /** The type named {@code name} (f32, f16, bf16, q8_0, q4_0), or a clear error. */
  public static GgmlType type(String name) {
    GgmlType t = TYPES.get(name.toLowerCase(Locale.ROOT));
    if (t == null) {
      throw new IllegalArgumentException(
          "GGUF type " + name + " is not one Lathe writes: use one of " + TYPES.keySet());
    }
    return t;
  }

  /**
   * Writes {@code source} (see the class comment) as GGUF file {@code out} of matrix type {@code
   * type}, and {@code Modelfile} beside it; {@code base} overrides a LoRA adapter's base model.
   */
  public static Result export(Path source, Path out, GgmlType type, Optional<Path> base)
      throws IOException {
    if (Files.isRegularFile(source.resolve("adapter_config.json"))) {
      Path adapter = source;
      Path baseDir = base.orElseGet(() -> adapterBase(adapter));
      Path parent = out.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Path merged = Files.createTempDirectory(parent, ".lathe-merge-");
      try {
        Path model = merged.resolve("model");
        ModelExport.writeMerged(model, baseDir, adapter);
        return export(model, out, type, Optional.empty(), name(source));
      } finally {
        deleteTree(merged);
      }
    }
    Path model = source;
    if (Files.isDirectory(source) && !Files.exists(source.resolve("config.json"))) {
      Path merged = new RunLayout(source).merged();
      if (!Files.isRegularFile(merged.resolve("config.json"))) {
        throw new IOException(
            source
                + ": not an exportable model: expected a Hugging Face model directory"
                + " (config.json), a fine-tuning run directory (merged/), a LoRA adapter"
                + " directory (adapter_config.json) or a .gguf file");
      }
      model = merged;
    }
    return export(model, out, type, base, name(source));
  }

  private static Result export(
      Path model, Path out, GgmlType type, Optional<Path> base, String name) throws IOException {
    if (base.isPresent()) {
      throw new IllegalArgumentException(
          "a base model is only used with a LoRA adapter directory, and " + model + " is none");
    }
    boolean gguf = Files.isRegularFile(model) && model.toString().endsWith(".gguf");
    if (!gguf && !Files.isDirectory(model)) {
      throw new IOException(
          model + ": Lathe exports Hugging Face model directories, runs, adapters and .gguf files");
    }
    LoadedModel loaded = ModelLoader.load(model);
    String arch = GgufCheckpoint.architecture(loaded.modelType());
    LlamaModel llama = (LlamaModel) loaded.model();
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("general.name", name);
    try {
      metadata.putAll(
          gguf ? tokenizerOf(model) : GgufVocab.metadata(model, llama.config().vocabSize()));
    } catch (IllegalArgumentException e) {
      throw new IOException(model + ": cannot write its tokenizer to GGUF: " + e.getMessage(), e);
    }
    GgufCheckpoint.save(out, loaded.modelType(), llama.config(), llama.weights(), type, metadata);
    Path modelfile = out.toAbsolutePath().resolveSibling("Modelfile");
    Path tmp = Files.createTempFile(modelfile.getParent(), "Modelfile.", ".tmp");
    Files.writeString(tmp, OllamaModelfile.of(out.getFileName().toString(), metadata));
    Files.move(tmp, modelfile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return new Result(out, modelfile, arch, type, Files.size(out));
  }

  /**
   * The {@code tokenizer.*} metadata of a GGUF file, in the Java types a writer takes back (ids as
   * Integer, id and score lists as int[] and float[]).
   */
  private static Map<String, Object> tokenizerOf(Path file) throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    try (GgufFile g = GgufFile.open(file)) {
      g.metadata()
          .forEach(
              (key, v) -> {
                if (key.startsWith("tokenizer.")) {
                  out.put(key, writable(v));
                }
              });
    }
    return out;
  }

  private static Object writable(Object v) {
    if (v instanceof Long l && l >= 0 && l <= Integer.MAX_VALUE) {
      return l.intValue();
    }
    if (v instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Float) {
      float[] a = new float[list.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = (Float) list.get(i);
      }
      return a;
    }
    if (v instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Long) {
      return list.stream().mapToInt(x -> ((Long) x).intValue()).toArray();
    }
    return v;
  }

  /** The base model an adapter directory names ({@code base_model_name_or_path}). */
  private static Path adapterBase(Path adapter) {
    try {
      JsonNode config = JSON.readTree(adapter.resolve("adapter_config.json").toFile());
      Path base = Path.of(config.path("base_model_name_or_path").asText(""));
      if (base.toString().isEmpty() || !Files.isDirectory(base)) {
        throw new IllegalArgumentException(
            adapter
                + "/adapter_config.json: its base_model_name_or_path '"
                + base
                + "' is not a model directory on this machine: give the base model (--base)");
      }
      return base;
    } catch (IOException e) {
      throw new IllegalArgumentException(
          adapter + "/adapter_config.json is unreadable: " + e.getMessage(), e);
    }
  }

  /** A name for {@code general.name}: the source's file or directory name. */
  private static String name(Path source) {
    Path n = source.toAbsolutePath().normalize().getFileName();
    String s = n == null ? "model" : n.toString();
    return s.endsWith(".gguf") ? s.substring(0, s.length() - 5) : s;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
