package dev.lathe.transformer.train;

/**
 * A named trainable tensor: its values and the gradient accumulated into it, both f32 and of the
 * same length. Names follow Hugging Face / PEFT tensor names so checkpoints and exports can use
 * them as they are (e.g. {@code model.layers.0.self_attn.q_proj.lora_A.weight}).
 *
 * @param name tensor name
 * @param shape dimensions, row-major
 * @param value the parameter values (updated in place by the optimizer)
 * @param grad the accumulated gradient
 */
public record Parameter(String name, int[] shape, float[] value, float[] grad) {
  public Parameter {
    if (value.length != grad.length) {
      throw new IllegalArgumentException(
          name + ": value has " + value.length + " elements but grad has " + grad.length);
    }
  }
}
