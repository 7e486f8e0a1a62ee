package dev.lathe.transformer;

import dev.lathe.tensor.Gemm;
import dev.lathe.tensor.MatVec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A set of LoRA adapters, one per adapted projection, as a PEFT adapter directory holds them
 * ({@code adapter_config.json} + {@code adapter_model.safetensors}, tensors named as {@link
 * LoraModules} spells them). Applied to a model with {@link LanguageModel#withAdapters}: each
 * adapted projection computes {@code y = W x (+ b) + scale · B (A x)} over the unchanged base
 * weights, with {@code scale = alpha / r} (or {@code alpha / √r} for rsLoRA).
 *
 * <p>Immutable; the arrays are only read, so one set may serve any number of sequences at once.
 */
public final class AdapterSet {

  /**
   * One adapted projection.
   *
   * @param module the projection's module path, e.g. {@code model.layers.0.self_attn.q_proj}
   * @param a (r, in)
   * @param b (out, r)
   * @param rank r
   * @param in input features
   * @param out output features
   * @param scale factor on {@code B · A}
   * @param bt Bᵀ (r, out), made from b: the layout the delta's second product reads
   */
  public record Delta(
      String module, float[] a, float[] b, int rank, int in, int out, float scale, float[] bt) {
    public Delta {
      if (a.length != (long) rank * in || b.length != (long) out * rank) {
        throw new IllegalArgumentException(
            module
                + ": A holds "
                + a.length
                + " and B "
                + b.length
                + " values, not r x in and out x r");
      }
      if (bt == null) {
        bt = new float[b.length];
        for (int o = 0; o < out; o++) {
          for (int j = 0; j < rank; j++) {
            bt[j * out + o] = b[o * rank + j];
          }
        }
      }
    }

    /** The adapter of {@code module} with A (r, in) and B (out, r). */
    public Delta(String module, float[] a, float[] b, int rank, int in, int out, float scale) {
      this(module, a, b, rank, in, out, scale, null);
    }

    /**
     * {@code y += scale · (x · Aᵀ) · Bᵀ}; on one row (decode) the two products are mat-vecs.
     *
     * <pre>
     * // y: (T, out) accumulated   x: (T, in)   scratch: at least (T, r)
     * </pre>
     */
    void addTo(float[] y, float[] x, int t, float[] scratch) {
      addTo(y, 0, x, 0, t, scratch);
    }

    /** The same on rows starting at {@code yOff} of y and {@code xOff} of x. */
    void addTo(float[] y, int yOff, float[] x, int xOff, int t, float[] scratch) {
      Gemm.mulNT(x, xOff, a, 0, scratch, 0, t, rank, in, false);
      for (int i = 0; i < t * rank; i++) {
        scratch[i] *= scale;
      }
      // y += s · Bᵀ as r vector updates of each row of y (Bᵀ's rows): r is far below a vector's
      // width, so out dot products of length r would each be one masked load and a reduction
      for (int row = 0; row < t; row++) {
        MatVec.axpy(scratch, row * rank, bt, y, yOff + row * out, out, rank);
      }
    }
  }

  /** {@code y += delta(x)} when the projection has an adapter ({@code delta} not null). */
  static void add(Delta delta, float[] y, float[] x, int t, float[] scratch) {
    if (delta != null) {
      delta.addTo(y, x, t, scratch);
    }
  }

  private final String source;
  private final Map<String, Delta> byModule;
  private final double alpha;
  private final boolean rsLora;
  private final int maxRank;

  private AdapterSet(String source, Map<String, Delta> byModule, double alpha, boolean rsLora) {
    this.source = source;
    this.byModule = Map.copyOf(byModule);
    this.alpha = alpha;
    this.rsLora = rsLora;
    this.maxRank = this.byModule.values().stream().mapToInt(Delta::rank).max().orElse(0);
  }

  /** {@code lora_alpha}. */
  public double alpha() {
    return alpha;
  }

  /** Whether the scale is {@code alpha / √r} (rsLoRA) rather than {@code alpha / r}. */
  public boolean rsLora() {
    return rsLora;
  }

  /** The adapter of {@code module}, or null when the set does not adapt it. */
  public Delta delta(String module) {
    return byModule.get(module);
  }

  /** Where the set came from (a directory, or a name given to {@link #of}), for messages. */
  public String source() {
    return source;
  }

  /** The adapted modules' paths. */
  public Set<String> modules() {
    return new TreeSet<>(byModule.keySet());
  }

  /** Largest rank of any adapter (the scratch one row of activations needs). */
  public int maxRank() {
    return maxRank; // read by every batched decode step: computed once
  }

  /** Bytes of the adapter matrices held. */
  public long bytes() {
    return byModule.values().stream()
        .mapToLong(d -> 4L * (d.a().length + d.b().length + d.bt().length))
        .sum();
  }

  /**
   * Reads a PEFT LoRA adapter directory: LoRA only ({@code peft_type} LORA, no DoRA, no bias or
   * {@code modules_to_save} weights, no {@code alpha_pattern}); each module's rank is its tensors'
   * own, so {@code rank_pattern} needs no special handling.
   */
  public static AdapterSet read(Path dir) throws IOException {
    Path configFile = dir.resolve("adapter_config.json");
    Path weightsFile = dir.resolve("adapter_model.safetensors");
    for (Path p : List.of(configFile, weightsFile)) {
      if (!Files.isRegularFile(p)) {
        throw new NoSuchFileException(
            p.toString(),
            null,
            "a PEFT adapter directory needs adapter_config.json and"
                + " adapter_model.safetensors");
      }
    }
    String where = configFile.toString();
    Map<String, Object> config;
    try {
      config = Json.parseObject(Files.readString(configFile), where);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
    if (!"LORA".equals(config.get("peft_type"))) {
      throw new IOException(
          where + ": peft_type is " + config.get("peft_type") + ", only LORA is served");
    }
    if (Boolean.TRUE.equals(config.get("use_dora"))) {
      throw new IOException(where + ": use_dora is true: DoRA adapters are not supported");
    }
    Object bias = config.getOrDefault("bias", "none");
    if (!"none".equals(bias)) {
      throw new IOException(
          where
              + ": bias is "
              + bias
              + "; only adapters without bias weights (\"none\") are served");
    }
    for (String key : List.of("alpha_pattern", "modules_to_save")) {
      Object v = config.get(key);
      if (v instanceof Map<?, ?> m && !m.isEmpty() || v instanceof List<?> l && !l.isEmpty()) {
        throw new IOException(where + ": " + key + " is set (" + v + "); it is not supported");
      }
    }
    if (!(config.get("lora_alpha") instanceof Number alpha)) {
      throw new IOException(where + ": lora_alpha is missing or not a number");
    }
    boolean rsLora = Boolean.TRUE.equals(config.get("use_rslora"));
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    try (SafetensorsFile f = SafetensorsFile.open(weightsFile)) {
      for (SafetensorsFile.TensorInfo t : f.tensors().values()) {
        tensors.put(t.name(), new SafetensorsWriter.Tensor(t.shape(), f.floats(t.name())));
      }
    }
    try {
      return of(dir.toString(), tensors, alpha.doubleValue(), rsLora);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /**
   * A set from PEFT-named tensors ({@link LoraModules#loraA}, {@link LoraModules#loraB}), each
   * module's A (r, in) paired with its B (out, r).
   *
   * @param source names the set in error messages
   * @param alpha {@code lora_alpha}
   * @param rsLora whether the scale is {@code alpha / √r} instead of {@code alpha / r}
   */
  public static AdapterSet of(
      String source, Map<String, SafetensorsWriter.Tensor> tensors, double alpha, boolean rsLora) {
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException(source + ": lora_alpha must be positive, got " + alpha);
    }
    Map<String, Delta> deltas = new LinkedHashMap<>();
    for (String name : tensors.keySet()) {
      String module = moduleOf(source, name);
      if (deltas.containsKey(module)) {
        continue;
      }
      SafetensorsWriter.Tensor a = pair(source, tensors, LoraModules.loraA(module));
      SafetensorsWriter.Tensor b = pair(source, tensors, LoraModules.loraB(module));
      int rank = (int) a.shape()[0];
      if (b.shape()[1] != rank) {
        throw new IllegalArgumentException(
            source
                + ": "
                + LoraModules.loraB(module)
                + " has shape "
                + Arrays.toString(b.shape())
                + " but its lora_A has rank "
                + rank
                + ": expected ["
                + b.shape()[0]
                + ", "
                + rank
                + "]");
      }
      float scale = (float) (rsLora ? alpha / Math.sqrt(rank) : alpha / rank);
      deltas.put(
          module,
          new Delta(
              module, a.data(), b.data(), rank, (int) a.shape()[1], (int) b.shape()[0], scale));
    }
    if (deltas.isEmpty()) {
      throw new IllegalArgumentException(source + ": the adapter holds no lora_A/lora_B tensors");
    }
    return new AdapterSet(source, deltas, alpha, rsLora);
  }

  private static String moduleOf(String source, String name) {
    for (String suffix : List.of(".lora_A.weight", ".lora_B.weight")) {
      if (name.startsWith(LoraModules.PEFT_PREFIX) && name.endsWith(suffix)) {
        return name.substring(LoraModules.PEFT_PREFIX.length(), name.length() - suffix.length());
      }
    }
    throw new IllegalArgumentException(
        source
            + ": tensor "
            + name
            + " is not a LoRA matrix (expected "
            + LoraModules.PEFT_PREFIX
            + "<module>.lora_A.weight or .lora_B.weight)");
  }

  private static SafetensorsWriter.Tensor pair(
      String source, Map<String, SafetensorsWriter.Tensor> tensors, String name) {
    SafetensorsWriter.Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException(
          source + ": no tensor " + name + " (A and B come in pairs)");
    }
    if (t.shape().length != 2 || t.shape()[0] < 1 || t.shape()[1] < 1) {
      throw new IllegalArgumentException(
          source
              + ": "
              + name
              + " has shape "
              + Arrays.toString(t.shape())
              + ", expected a matrix");
    }
    return t;
  }

  /**
   * Takes adapters out of this set projection by projection while a model binds them, checking each
   * against the projection's shape, then that none is left over.
   */
  final class Binder {
    private final String model;
    private final Set<String> taken = new HashSet<>();

    private Binder(String model) {
      this.model = model;
    }

    /** The adapter of {@code module} (a projection {@code in → out}), or null if it has none. */
    Delta take(String module, int in, int out) {
      Delta d = byModule.get(module);
      if (d == null) {
        return null;
      }
      if (d.in() != in) {
        throw mismatch(LoraModules.loraA(module), d.rank(), d.in(), d.rank(), in);
      }
      if (d.out() != out) {
        throw mismatch(LoraModules.loraB(module), d.out(), d.rank(), out, d.rank());
      }
      taken.add(module);
      return d;
    }

    private IllegalArgumentException mismatch(String tensor, long r0, long c0, long r1, long c1) {
      return new IllegalArgumentException(
          source
              + ": "
              + tensor
              + " has shape ["
              + r0
              + ", "
              + c0
              + "] but "
              + model
              + " needs ["
              + r1
              + ", "
              + c1
              + "]: the adapter was trained for a different base model");
    }

    /** Throws if an adapter was left untaken: a module the model does not have. */
    void finish() {
      Set<String> left = new TreeSet<>(byModule.keySet());
      left.removeAll(taken);
      if (!left.isEmpty()) {
        throw new IllegalArgumentException(
            source
                + ": adapts "
                + left.size()
                + " module(s) "
                + model
                + " does not have, e.g. "
                + left.iterator().next()
                + ": the adapter was trained for a different base model");
      }
    }
  }

  /** Starts binding this set to a model described as {@code model} in messages. */
  Binder binder(String model) {
    return new Binder(model);
  }
}
