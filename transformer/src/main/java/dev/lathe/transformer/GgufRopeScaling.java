package dev.lathe.transformer;

import dev.lathe.tensor.Rope;
import dev.lathe.tensor.RopeScaling;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * RoPE frequency scaling in GGUF, as llama.cpp stores it:
 *
 * <ul>
 *   <li>linear: {@code <arch>.rope.scaling.type = "linear"} and {@code <arch>.rope.scaling.factor};
 *   <li>llama3 (Llama 3.1/3.2): the tensor {@code rope_freqs.weight}, one factor per rotary
 *       frequency (head_dim / 2 of them) by which llama.cpp divides that frequency.
 * </ul>
 *
 * Reading {@code rope_freqs.weight} recovers Hugging Face's llama3 parameters from the blended
 * frequencies (those between the two thresholds): with {@code low_freq_factor} taken as 1 (Llama
 * 3.1/3.2's value; only the ratios are determined), two blended frequencies give {@code
 * high_freq_factor} and {@code original_max_position_embeddings}. The parameters are accepted only
 * when they give back every stored factor; otherwise the file is refused by name, and a model whose
 * factors could not be read back is not written.
 */
final class GgufRopeScaling {
  private GgufRopeScaling() {}

  static final String FREQS = "rope_freqs.weight";
  private static final double TOLERANCE = 1e-4;

  /** The metadata of {@code s} (linear only; llama3 is the {@link #factors} tensor). */
  static Map<String, Object> metadata(String arch, RopeScaling s) {
    Map<String, Object> md = new LinkedHashMap<>();
    if (s.type().equals("linear")) {
      md.put(arch + ".rope.scaling.type", "linear");
      md.put(arch + ".rope.scaling.factor", (float) s.factor());
    }
    return md;
  }

  /** llama.cpp's factor per frequency: unscaled / scaled inverse frequency. */
  static float[] factors(LlamaConfig c) {
    int n = c.headDim() / 2;
    float[] f = new float[n];
    for (int i = 0; i < n; i++) {
      double inv = invFreq(c, i);
      f[i] = (float) (inv / c.ropeScaling().scale(inv));
    }
    return f;
  }

  /** The scaling of a file: its {@code rope.scaling.*} keys or its {@code rope_freqs.weight}. */
  static RopeScaling read(GgufFile g, String arch, int headDim, double theta) {
    String type = g.metadata().get(arch + ".rope.scaling.type") instanceof String t ? t : "none";
    boolean freqs = g.has(FREQS);
    if (!freqs && type.equals("none")) {
      return RopeScaling.NONE;
    }
    if (!freqs && type.equals("linear")) {
      return new RopeScaling("linear", g.number(arch + ".rope.scaling.factor", 1), 0, 0, 0);
    }
    if (!freqs || !type.equals("none")) {
      throw new IllegalArgumentException(
          g.path()
              + ": RoPE scaling "
              + (freqs ? FREQS + " with rope.scaling.type " + type : type)
              + " is not supported: Lathe reads linear scaling and Llama 3's "
              + FREQS);
    }
    RopeScaling s = fromFactors(g.floats(FREQS, headDim / 2), headDim, theta);
    if (s == null) {
      throw new IllegalArgumentException(
          g.path()
              + ": "
              + FREQS
              + " holds RoPE factors that are not a Llama 3 scaling Lathe can reproduce (it needs"
              + " two blended frequencies and low_freq_factor 1)");
    }
    return s;
  }

  /** The llama3 scaling whose factors are {@code f}, or null when none reproduces them. */
  private static RopeScaling fromFactors(float[] f, int headDim, double theta) {
    LlamaConfig probe = probe(headDim, theta, RopeScaling.NONE);
    double factor = 1;
    for (float x : f) {
      factor = Math.max(factor, x);
    }
    // blended frequencies: smooth = (1/f - 1/factor) / (1 - 1/factor) = (a/w - 1) / (hi - 1)
    int first = -1;
    int second = -1;
    for (int i = 0; i < f.length; i++) {
      if (f[i] > 1 + TOLERANCE && f[i] < factor - TOLERANCE) {
        if (first < 0) {
          first = i;
        } else if (second < 0) {
          second = i;
        }
      }
    }
    if (second < 0) {
      return null;
    }
    double w1 = 2 * Math.PI / invFreq(probe, first);
    double w2 = 2 * Math.PI / invFreq(probe, second);
    double s1 = smooth(f[first], factor);
    double s2 = smooth(f[second], factor);
    double r = w1 / w2;
    double x = (1 - r) / (s1 * r - s2); // high_freq_factor - 1
    double a = w1 * (s1 * x + 1); // original_max_position_embeddings
    if (!(x > 0) || !(a >= 1) || a >= Integer.MAX_VALUE) {
      return null;
    }
    RopeScaling s = new RopeScaling("llama3", factor, 1, 1 + x, (int) Math.round(a));
    return matches(f, factors(probe(headDim, theta, s))) ? s : null;
  }

  /** Whether {@code c}'s scaling reads back from the factors written for it. */
  static boolean readsBack(LlamaConfig c) {
    return fromFactors(factors(c), c.headDim(), c.ropeTheta()) != null;
  }

  private static double smooth(double f, double factor) {
    return (1 / f - 1 / factor) / (1 - 1 / factor);
  }

  private static boolean matches(float[] a, float[] b) {
    for (int i = 0; i < a.length; i++) {
      if (Math.abs(a[i] - b[i]) > TOLERANCE * Math.abs(a[i])) {
        return false;
      }
    }
    return true;
  }

  private static double invFreq(LlamaConfig c, int i) {
    return 1.0 / Math.pow(c.ropeTheta(), (2.0 * i) / c.headDim());
  }

  /** A config carrying only what the rotary frequencies depend on. */
  private static LlamaConfig probe(int headDim, double theta, RopeScaling s) {
    return new LlamaConfig(
        headDim,
        1,
        1,
        1,
        1,
        headDim,
        1,
        1,
        1e-5f,
        theta,
        s,
        Rope.Style.ROTATE_HALF,
        false,
        false,
        false,
        true);
  }
}
