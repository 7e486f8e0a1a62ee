package dev.lathe.transformer;

import java.util.List;

/**
 * The projections a LoRA adapter can attach to, and their names as Hugging Face state dicts and
 * PEFT adapter files spell them: one place for both the trainer (which writes adapters) and the
 * inference models (which read them).
 *
 * <p>A target is the short name of a projection ({@code q_proj}, {@code c_attn}); a module is its
 * path in one layer ({@code model.layers.3.self_attn.q_proj}); a PEFT tensor adds the wrapper
 * prefix and the matrix ({@code base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight}).
 */
public final class LoraModules {
  private LoraModules() {}

  /** The Llama family's linear layers, in the order a block runs them. */
  public static final List<String> LLAMA =
      List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

  /** GPT-2's linear layers, in block order; its two {@code c_proj} told apart by their module. */
  public static final List<String> GPT2 = List.of("c_attn", "attn.c_proj", "c_fc", "mlp.c_proj");

  /** What PEFT puts before a module path in an adapter file. */
  public static final String PEFT_PREFIX = "base_model.model.";

  /**
   * The module of Llama-family {@code target} in layer {@code layer}, e.g. {@code
   * model.layers.0.mlp.up_proj}.
   */
  public static String llama(int layer, String target) {
    String block =
        switch (target) {
          case "q_proj", "k_proj", "v_proj", "o_proj" -> "self_attn.";
          case "gate_proj", "up_proj", "down_proj" -> "mlp.";
          default -> throw unknown(target, LLAMA);
        };
    return "model.layers." + layer + "." + block + target;
  }

  /**
   * The module of GPT-2 {@code target} in layer {@code layer}, e.g. {@code
   * transformer.h.0.attn.c_attn}.
   */
  public static String gpt2(int layer, String target) {
    String path =
        switch (target) {
          case "c_attn" -> "attn.c_attn";
          case "attn.c_proj", "mlp.c_proj" -> target;
          case "c_fc" -> "mlp.c_fc";
          default -> throw unknown(target, GPT2);
        };
    return "transformer.h." + layer + "." + path;
  }

  /** The PEFT tensor of {@code module}'s down-projection {@code A} (r, in). */
  public static String loraA(String module) {
    return PEFT_PREFIX + module + ".lora_A.weight";
  }

  /** The PEFT tensor of {@code module}'s up-projection {@code B} (out, r). */
  public static String loraB(String module) {
    return PEFT_PREFIX + module + ".lora_B.weight";
  }

  private static IllegalArgumentException unknown(String target, List<String> known) {
    return new IllegalArgumentException(
        "unknown LoRA target " + target + "; this family has " + known);
  }
}
