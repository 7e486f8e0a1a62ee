package dev.lathe.transformer.train;

import dev.lathe.tensor.ComputePool;
import dev.lathe.transformer.ModelConfig;
import dev.lathe.transformer.ModelFamily;
import dev.lathe.transformer.ModelWeights;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/**
 * The trainable parameters of one model, by their Hugging Face / PEFT names, in the order they were
 * registered: with LoRA ({@code lora != null}) only the adapters are parameters and every weight
 * gradient is null; for full fine-tuning every weight is one. A family's layer view ({@link
 * LlamaLayers}, {@link Gpt2Layers}) registers its weights here in the order of its checkpoints,
 * then takes its blocks of projections and its gradients in the family's own shapes ({@link
 * #finish}), so the lookup, its error message, the merge and the blocks are written once.
 *
 * @param <C> the family's config
 * @param <W> the family's weights: the shape of the gradients, and what {@link #merged} returns
 * @param <B> one block of the family's weights with its projections as {@link Projection}s
 */
abstract sealed class ParameterSet<C extends ModelConfig, W extends ModelWeights<C>, B>
    permits LlamaLayers, Gpt2Layers {
  private final Map<String, Parameter> byName = new LinkedHashMap<>();
  private final Map<float[], float[]> gradients = new IdentityHashMap<>(); // weight -> gradient
  private final Map<Object, Projection> projections = new IdentityHashMap<>(); // by weight array
  private final ModelFamily<C, W> family;
  private final C config;
  private final LoraConfig lora;
  private final RandomGenerator random;
  private final ComputePool pool;
  private List<B> blocks; // set by finish
  private W grads; // set by finish

  ParameterSet(ModelFamily<C, W> family, C config, DecoderTrainer.Setup setup) {
    this.family = family;
    this.config = config;
    this.lora = setup.lora();
    this.random = setup.random();
    this.pool = setup.pool();
  }

  /** For full fine-tuning: registers {@code value} as a parameter and returns its gradient. */
  final float[] full(String name, float[] value, int... shape) {
    if (lora != null) {
      return null;
    }
    Parameter p = new Parameter(name, shape, value, new float[value.length]);
    byName.put(name, p);
    if (gradients.put(value, p.grad()) != null) {
      throw new IllegalArgumentException(name + " is the same array as another weight");
    }
    return p.grad();
  }

  /**
   * The projection {@code target} of block {@code layer} ({@code in → out}, weight (out, in), bias
   * (out) or null), named as the family names its module: its weight and bias are parameters for
   * full fine-tuning; with LoRA it gets an adapter when {@code target} is one of the configured
   * targets (the adapter's A is drawn from the random now).
   */
  final void projection(int layer, String target, float[] weight, float[] bias, int in, int out) {
    String module = family.module(layer, target);
    float[] weightGrad = full(module + ".weight", weight, out, in);
    float[] biasGrad = bias == null ? null : full(module + ".bias", bias, out);
    register(layer, target, weight, null, bias, weightGrad, biasGrad, in, out);
  }

  /**
   * As {@link #projection} for a frozen weight held in bf16 (LoRA only): the weight and bias get no
   * gradient.
   */
  final void frozenProjection(
      int layer, String target, short[] weight, float[] bias, int in, int out) {
    if (lora == null) {
      throw new IllegalStateException(
          "a bf16 weight is frozen: full fine-tuning needs the weights in f32");
    }
    register(layer, target, null, weight, bias, null, null, in, out);
  }

  private void register(
      int layer,
      String target,
      float[] weight,
      short[] weightBf16,
      float[] bias,
      float[] weightGrad,
      float[] biasGrad,
      int in,
      int out) {
    String module = family.module(layer, target);
    LoraAdapter adapter = null;
    if (lora != null && lora.targets().contains(target)) {
      adapter = new LoraAdapter(pool, module, in, out, lora, random);
      byName.put(adapter.a.name(), adapter.a);
      byName.put(adapter.b.name(), adapter.b);
    }
    Projection p =
        new Projection(pool, weight, weightBf16, bias, weightGrad, biasGrad, adapter, in, out);
    if (projections.put(weight != null ? weight : weightBf16, p) != null) {
      throw new IllegalArgumentException(
          module + " has the same weight array as another projection");
    }
  }

  /** The projection registered over the matrix {@code weight} (a float[] or, frozen, short[]). */
  final Projection projectionOf(Object weight) {
    return projections.get(weight);
  }

  /** Whether the parameters are LoRA adapters (the base weights frozen). */
  final boolean lora() {
    return lora != null;
  }

  final List<Parameter> parameters() {
    return List.copyOf(byName.values());
  }

  /** The parameter called {@code name}; the error names how many there are and the first few. */
  final Parameter parameter(String name) {
    Parameter p = byName.get(name);
    if (p == null) {
      throw new IllegalArgumentException(
          "no trainable parameter named "
              + name
              + "; the "
              + byName.size()
              + " parameters start with "
              + byName.keySet().stream().limit(4).toList());
    }
    return p;
  }

  /**
   * Called by the family once every weight of {@code weights} is registered: keeps {@code blocks},
   * made with {@link #projectionOf}, and the gradients.
   */
  final void finish(W weights, List<B> blocks) {
    this.blocks = List.copyOf(blocks);
    this.grads = map(weights, gradients::get);
  }

  /** Block {@code l}: its projections, and its norms and biases as the weights hold them. */
  final B block(int l) {
    return blocks.get(l);
  }

  /**
   * The gradients in the shape of the weights (llm.c's grads beside its params): each array
   * replaced by its gradient, null where it is frozen (every one with LoRA); a tied head's is the
   * embedding's.
   */
  final W grads() {
    return grads;
  }

  /**
   * {@code weights} (those the projections were built over) with every adapter merged in: each
   * adapted projection's matrix replaced by a new array {@code W + scale · B · A}, every other
   * array shared. For full fine-tuning, the trained weights themselves.
   */
  W merged(W weights) {
    Map<float[], float[]> merged = new IdentityHashMap<>();
    for (Projection p : projections.values()) {
      if (p.adapter != null) {
        merged.put(p.weight, p.mergedWeight());
      }
    }
    return map(weights, m -> merged.getOrDefault(m, m));
  }

  @SuppressWarnings("unchecked") // each family's weights map to their own record type
  private W map(W weights, UnaryOperator<float[]> f) {
    return (W) weights.map(config, f);
  }
}
