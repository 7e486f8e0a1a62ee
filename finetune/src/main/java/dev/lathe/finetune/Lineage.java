package dev.lathe.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.lathe.tensor.KernelPath;
import dev.lathe.tokenizer.ChatTemplate;
import dev.lathe.tokenizer.TrainedTemplate;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The lineage manifest of a finished run, {@code lineage.json} in its directory ({@link
 * RunLayout#lineage()}): what went in (files, base model, template, tokenizer), how it was trained
 * (the resolved configuration and seed), with what (Lathe, the JDK, the machine) and at what cost.
 * Written as JSON with snake_case names. Every hash is a lowercase hex SHA-256:
 *
 * <ul>
 *   <li>{@code weights_sha256}: over the bytes of the base's weight files ({@code *.safetensors},
 *       {@code *.bin}, {@code *.gguf} directly in the model directory, or the model file itself)
 *       concatenated in the order of their names, which {@code weight_files} lists;
 *   <li>{@code template_sha256}: over the UTF-8 of the chat template's Jinja source the run
 *       rendered with (the tokenizer's, or Lathe's plain one), a NUL byte, and the tokenizer's
 *       special tokens ({@code HfTokenizer.specialTokensMap()}) as compact JSON with sorted keys;
 *   <li>{@code tokenizer_sha256}: over the {@code tokenizer.json} (or {@code .json.gz}) file.
 * </ul>
 *
 * @param trainingFileSha256 the training file's hash
 * @param validationFileSha256 the validation file's hash, or null without one
 * @param base the base model
 * @param config the resolved configuration
 * @param seed the job seed
 * @param software Lathe and the JDK
 * @param machine the machine and what the run cost on it
 */
public record Lineage(
    String trainingFileSha256,
    String validationFileSha256,
    BaseModel base,
    Config config,
    long seed,
    Software software,
    Machine machine) {

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private static final List<String> WEIGHT_SUFFIXES = List.of(".safetensors", ".bin", ".gguf");

  /**
   * The base model.
   *
   * @param source the model directory (absolute) the run loaded
   * @param weightFiles the weight files hashed, by name
   * @param weightsSha256 their hash
   * @param templateName the chat template's name ({@code plain} when the tokenizer has none)
   * @param templateSha256 the template and special tokens' hash
   * @param tokenizerSha256 the tokenizer file's hash
   */
  public record BaseModel(
      String source,
      List<String> weightFiles,
      String weightsSha256,
      String templateName,
      String templateSha256,
      String tokenizerSha256) {}

  /**
   * The configuration the run trained with, {@code auto} values resolved.
   *
   * @param method {@code supervised} or {@code dpo}
   * @param epochs n_epochs
   * @param batchSize batch_size
   * @param learningRateMultiplier learning_rate_multiplier
   * @param peakLearningRate the method's base rate times the multiplier
   * @param loraRank the adapter rank, 0 for full fine-tuning
   * @param contextLength the tokens examples were cut to
   * @param microBatchTokens positions per forward/backward pass
   * @param packed whether examples were packed per row
   * @param evalEvery steps between validation-sample evaluations
   * @param earlyStoppingPatience epochs without improvement before stopping, 0 for never
   * @param resumed whether the run resumed from a checkpoint
   */
  public record Config(
      String method,
      int epochs,
      int batchSize,
      double learningRateMultiplier,
      double peakLearningRate,
      int loraRank,
      int contextLength,
      int microBatchTokens,
      boolean packed,
      int evalEvery,
      int earlyStoppingPatience,
      boolean resumed) {}

  /**
   * The software.
   *
   * @param latheVersion the Maven project version Lathe was built as
   * @param jdkVersion {@code Runtime.version()}
   * @param jdkVendor the {@code java.vendor} property
   */
  public record Software(String latheVersion, String jdkVersion, String jdkVendor) {

    /** This process's. */
    public static Software current() {
      return new Software(
          readLatheVersion(), Runtime.version().toString(), System.getProperty("java.vendor"));
    }
  }

  /**
   * The machine and the run's cost.
   *
   * @param cores {@code Runtime.availableProcessors()}
   * @param vectorBits the width of the Vector API species the tensor kernels use
   * @param vectorKernels whether the kernels ran their Vector API path (not {@code
   *     -Dlathe.kernels=scalar})
   * @param wallSeconds from loading the model to the exported result
   * @param steps optimizer steps completed
   * @param trainedTokens trained tokens seen in this process
   * @param tokensPerSecond trained tokens per wall second
   * @param peakHeapBytes the sum of the JVM heap pools' peak used bytes since the JVM started (an
   *     upper bound of the peak heap, JVM-wide: a server's other work counts too)
   */
  public record Machine(
      int cores,
      int vectorBits,
      boolean vectorKernels,
      double wallSeconds,
      int steps,
      long trainedTokens,
      double tokensPerSecond,
      long peakHeapBytes) {

    /** This machine's, for a run of {@code summary} that took {@code wallSeconds}. */
    public static Machine current(TrainingSummary summary, double wallSeconds) {
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
          peak += pool.getPeakUsage().getUsed();
        }
      }
      return new Machine(
          Runtime.getRuntime().availableProcessors(),
          KernelPath.vectorBitSize(),
          KernelPath.vector(),
          wallSeconds,
          summary.steps(),
          summary.trainedTokens(),
          wallSeconds > 0 ? summary.trainedTokens() / wallSeconds : 0,
          peak);
    }
  }

  /** Writes this manifest to {@code file} (whole: written beside it, then moved into place). */
  public void write(Path file) throws IOException {
    Path partial = file.resolveSibling(file.getFileName() + ".partial");
    Files.write(partial, JSON.writeValueAsBytes(this));
    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Reads a manifest {@link #write} wrote. */
  public static Lineage read(Path file) throws IOException {
    return JSON.readValue(file.toFile(), Lineage.class);
  }

  /** The lowercase hex SHA-256 of {@code file}'s bytes. */
  public static String sha256(Path file) throws IOException {
    return sha256(List.of(file));
  }

  /** The weight files of {@code model} (a directory or a single file) in the order hashed. */
  public static List<Path> weightFiles(Path model) throws IOException {
    if (Files.isRegularFile(model)) {
      return List.of(model);
    }
    List<Path> files;
    try (Stream<Path> all = Files.list(model)) {
      files =
          all.filter(Files::isRegularFile)
              .filter(f -> WEIGHT_SUFFIXES.stream().anyMatch(f.getFileName().toString()::endsWith))
              .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
              .toList();
    }
    if (files.isEmpty()) {
      throw new IOException(
          "no weight files (" + String.join(", ", WEIGHT_SUFFIXES) + ") in " + model);
    }
    return files;
  }

  /** The hash of {@code model}'s {@link #weightFiles}, their bytes one after another. */
  public static String weightsSha256(Path model) throws IOException {
    return sha256(weightFiles(model));
  }

  /** The hash of a template's source and the special tokens ({@link TrainedTemplate}'s). */
  public static String templateSha256(ChatTemplate template, Map<String, Object> specialTokens) {
    return TrainedTemplate.templateSha256(template.source(), specialTokens);
  }

  private static String sha256(List<Path> files) throws IOException {
    MessageDigest d = digest();
    byte[] buffer = new byte[1 << 16];
    for (Path f : files) {
      try (InputStream in = Files.newInputStream(f)) {
        for (int n; (n = in.read(buffer)) > 0; ) {
          d.update(buffer, 0, n);
        }
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }

  /**
   * The version Maven wrote into {@code lathe-version.properties} at build time, or {@code unknown}
   * when the classes run without it (compiled outside Maven).
   */
  static String readLatheVersion() {
    try (InputStream in = Lineage.class.getResourceAsStream("lathe-version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "unknown").strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read lathe-version.properties", e);
    }
  }
}
