package dev.lathe.transformer.optim;

/**
 * AdamW's hyperparameters (Loshchilov and Hutter's decoupled weight decay).
 *
 * @param beta1 decay of the first-moment (mean) estimate, 0.9 by default
 * @param beta2 decay of the second-moment (uncentred variance) estimate, 0.999 by default
 * @param eps added to the root of the second moment, 1e-8 by default
 * @param weightDecay decoupled decay: each step multiplies a decayed weight by {@code 1 - lr·wd}
 */
public record AdamWConfig(double beta1, double beta2, double eps, double weightDecay) {

  /** Validates. */
  public AdamWConfig {
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
      throw new IllegalArgumentException(
          "AdamW betas must be in [0, 1), got beta1=" + beta1 + ", beta2=" + beta2);
    }
    if (!(eps > 0)) {
      throw new IllegalArgumentException("AdamW eps must be positive, got " + eps);
    }
    if (!(weightDecay >= 0)) {
      throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    }
  }

  /** β1 0.9, β2 0.999, eps 1e-8 and the given weight decay. */
  public static AdamWConfig withWeightDecay(double weightDecay) {
    return new AdamWConfig(0.9, 0.999, 1e-8, weightDecay);
  }
}
