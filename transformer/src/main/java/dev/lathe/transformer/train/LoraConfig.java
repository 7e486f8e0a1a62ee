package dev.lathe.transformer.train;

import dev.lathe.transformer.LoraModules;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Settings of low-rank adapters (LoRA): each targeted projection {@code W} (out, in) gains {@code
 * (alpha / rank) · B · A} with {@code A} (rank, in) and {@code B} (out, rank), and the adapter sees
 * its input through dropout.
 *
 * <p>Defaults ({@link #DEFAULT}): rank 16, alpha 32 (scale 2), dropout 0.05, every linear layer.
 * These are the values TRL's SFT examples and most PEFT recipes use for small chat fine-tunes;
 * PEFT's own {@code LoraConfig()} defaults (r 8, alpha 8, dropout 0, attention only on Llama) adapt
 * less.
 *
 * @param rank r, at least 1
 * @param alpha scaling numerator (scale = alpha / rank), positive
 * @param dropout probability of zeroing an adapter input, in [0, 1)
 * @param targets projection names to adapt: Llama family {@code q_proj k_proj v_proj o_proj
 *     gate_proj up_proj down_proj}; GPT-2 {@code c_attn attn.c_proj c_fc mlp.c_proj}
 * @param rsLora rank-stabilised LoRA (PEFT's {@code use_rslora}): the scale is {@code alpha /
 *     √rank}
 */
public record LoraConfig(
    int rank, double alpha, double dropout, Set<String> targets, boolean rsLora) {

  /** Every linear layer of the Llama family. */
  public static final Set<String> LLAMA_LINEAR = Set.copyOf(LoraModules.LLAMA);

  /** Every linear layer of GPT-2 (its two {@code c_proj} told apart by their module). */
  public static final Set<String> GPT2_LINEAR = Set.copyOf(LoraModules.GPT2);

  /** Rank 16, alpha 32, dropout 0.05, all linear layers of either family. */
  public static final LoraConfig DEFAULT = new LoraConfig(16, 32, 0.05, allLinear());

  public LoraConfig {
    if (rank < 1) {
      throw new IllegalArgumentException("LoRA rank must be >= 1, got " + rank);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException("LoRA alpha must be a positive number, got " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
    }
    if (targets == null || targets.isEmpty()) {
      throw new IllegalArgumentException(
          "LoRA needs at least one target projection, e.g. " + new TreeSet<>(LLAMA_LINEAR));
    }
    List<String> unknown =
        targets.stream()
            .filter(t -> !LLAMA_LINEAR.contains(t) && !GPT2_LINEAR.contains(t))
            .sorted()
            .toList();
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "unknown LoRA targets "
              + unknown
              + "; Llama family: "
              + new TreeSet<>(LLAMA_LINEAR)
              + ", GPT-2: "
              + new TreeSet<>(GPT2_LINEAR));
    }
    targets = Set.copyOf(targets);
  }

  /** Plain LoRA (scale {@code alpha / rank}). */
  public LoraConfig(int rank, double alpha, double dropout, Set<String> targets) {
    this(rank, alpha, dropout, targets, false);
  }

  /** The default settings with another rank, alpha and dropout. */
  public static LoraConfig of(int rank, double alpha, double dropout) {
    return new LoraConfig(rank, alpha, dropout, allLinear());
  }

  /**
   * The factor applied to {@code B · A}: {@code alpha / rank}, or {@code alpha / √rank} for rsLoRA
   * (as {@code AdapterSet} computes it when serving, so a merge and a served adapter agree).
   */
  public float scale() {
    return (float) (rsLora ? alpha / Math.sqrt(rank) : alpha / rank);
  }

  private static Set<String> allLinear() {
    Set<String> all = new TreeSet<>(LLAMA_LINEAR);
    all.addAll(GPT2_LINEAR);
    return all;
  }
}
