package dev.lathe.tensor;

/**
 * How rotary frequencies are stretched for contexts longer than the model was trained on, as in
 * Hugging Face's {@code rope_scaling}: {@code default} (none), {@code linear} (every frequency
 * divided by {@code factor}) or {@code llama3} (long wavelengths divided by {@code factor}, short
 * ones kept, a smooth blend between).
 *
 * @param type "default", "linear" or "llama3"
 * @param factor stretch factor (&gt;= 1 for linear/llama3)
 * @param lowFreqFactor llama3 only: wavelengths above originalMax/lowFreqFactor are scaled fully
 * @param highFreqFactor llama3 only: wavelengths below originalMax/highFreqFactor are kept
 * @param originalMaxPositions llama3 only: the context length of pre-training
 */
public record RopeScaling(
    String type,
    double factor,
    double lowFreqFactor,
    double highFreqFactor,
    int originalMaxPositions) {

  /** No scaling. */
  public static final RopeScaling NONE = new RopeScaling("default", 1, 0, 0, 0);

  public RopeScaling {
    switch (type) {
      case "default" -> {}
      case "linear" -> {
        if (!(factor > 0)) {
          throw new IllegalArgumentException(
              "rope_scaling linear: factor must be > 0, got " + factor);
        }
      }
      case "llama3" -> {
        if (!(factor > 0) || !(highFreqFactor > lowFreqFactor) || originalMaxPositions <= 0) {
          throw new IllegalArgumentException(
              "rope_scaling llama3 needs factor > 0, high_freq_factor > low_freq_factor and"
                  + " original_max_position_embeddings > 0; got factor="
                  + factor
                  + " low_freq_factor="
                  + lowFreqFactor
                  + " high_freq_factor="
                  + highFreqFactor
                  + " original_max_position_embeddings="
                  + originalMaxPositions);
        }
      }
      default ->
          throw new IllegalArgumentException(
              "rope_scaling type '"
                  + type
                  + "' is not supported: use default, linear or llama3 (or remove rope_scaling)");
    }
  }

  /** Returns the scaled inverse frequency for one unscaled inverse frequency. */
  public double scale(double invFreq) {
    return switch (type) {
      case "linear" -> invFreq / factor;
      case "llama3" -> {
        double lowWavelen = originalMaxPositions / lowFreqFactor;
        double highWavelen = originalMaxPositions / highFreqFactor;
        double wavelen = 2 * Math.PI / invFreq;
        if (wavelen < highWavelen) {
          yield invFreq;
        } else if (wavelen > lowWavelen) {
          yield invFreq / factor;
        } else {
          double smooth =
              (originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
          yield (1 - smooth) * invFreq / factor + smooth * invFreq;
        }
      }
      default -> invFreq;
    };
  }
}
