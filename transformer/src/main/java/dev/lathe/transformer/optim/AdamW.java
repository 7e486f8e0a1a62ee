package dev.lathe.transformer.optim;

import dev.lathe.tensor.ComputePool;
import dev.lathe.transformer.train.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * The AdamW optimizer over a fixed list of {@link Parameter}s, with bias-corrected moments and
 * decoupled weight decay applied only to the parameters {@code decayed} selects (by default not to
 * norms and biases, see {@link #decaysByDefault}).
 *
 * <p>One step, per element, with {@code g} the gradient and {@code t} the step number from 1:
 *
 * <pre>
 * m = β1·m + (1−β1)·g        v = β2·v + (1−β2)·g²
 * θ = θ − lr·wd·θ            (decayed parameters only)
 * θ = θ − lr · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + eps)
 * </pre>
 *
 * <p>The state (moments and step count) can be read and restored, so a resumed run continues bit
 * for bit. The arithmetic is sequential per element: the result depends on nothing but the inputs
 * (tensors are cut into chunks for the compute pool's threads, which changes no bit).
 */
public final class AdamW {

  private final AdamWConfig config;
  private final List<Parameter> parameters;
  private final boolean[] decayed;
  private final float[][] m;
  private final float[][] v;
  private long step;

  /** An optimizer for {@code parameters}, decaying those {@link #decaysByDefault} accepts. */
  public AdamW(AdamWConfig config, List<Parameter> parameters) {
    this(config, parameters, AdamW::decaysByDefault);
  }

  /** An optimizer for {@code parameters} decaying those {@code decay} accepts. */
  public AdamW(AdamWConfig config, List<Parameter> parameters, Predicate<Parameter> decay) {
    this.config = config;
    this.parameters = List.copyOf(parameters);
    int n = this.parameters.size();
    this.decayed = new boolean[n];
    this.m = new float[n][];
    this.v = new float[n][];
    for (int i = 0; i < n; i++) {
      Parameter p = this.parameters.get(i);
      decayed[i] = decay.test(p);
      m[i] = new float[p.value().length];
      v[i] = new float[p.value().length];
    }
  }

  /**
   * Whether a parameter is weight-decayed by default: matrices are, norm weights and biases (and
   * any other 1-D tensor) are not, as in the common transformer recipes.
   */
  public static boolean decaysByDefault(Parameter p) {
    String name = p.name();
    return p.shape().length >= 2 && !name.endsWith(".bias") && !name.contains("norm");
  }

  /** The configuration. */
  public AdamWConfig config() {
    return config;
  }

  /** Steps taken so far. */
  public long stepCount() {
    return step;
  }

  /** Applies one update with learning rate {@code lr} from the current gradients. */
  public void step(double lr) {
    step++;
    double b1 = config.beta1();
    double b2 = config.beta2();
    double bc1 = 1 - Math.pow(b1, step);
    double bc2 = 1 - Math.pow(b2, step);
    float fb1 = (float) b1;
    float fb2 = (float) b2;
    float oneMinusB1 = (float) (1 - b1);
    float oneMinusB2 = (float) (1 - b2);
    float stepSize = (float) (lr / bc1);
    float invSqrtBc2 = (float) (1 / Math.sqrt(bc2));
    float eps = (float) config.eps();
    // every element is updated on its own, so cutting the tensors into chunks for the pool's
    // threads changes nothing in the result
    int tasks = 0;
    int[] firstTask = new int[parameters.size() + 1];
    for (int i = 0; i < parameters.size(); i++) {
      firstTask[i] = tasks;
      tasks += (parameters.get(i).value().length + CHUNK - 1) / CHUNK;
    }
    firstTask[parameters.size()] = tasks;
    ComputePool.common()
        .parallelFor(
            tasks,
            (t, w) -> {
              int i = Arrays.binarySearch(firstTask, t);
              if (i < 0) {
                i = -i - 2;
              }
              while (firstTask[i + 1] == firstTask[i]) { // skip empty tensors
                i++;
              }
              Parameter p = parameters.get(i);
              float[] theta = p.value();
              float[] g = p.grad();
              float[] mi = m[i];
              float[] vi = v[i];
              float keep = decayed[i] ? (float) (1 - lr * config.weightDecay()) : 1f;
              int from = (t - firstTask[i]) * CHUNK;
              int to = Math.min(theta.length, from + CHUNK);
              for (int k = from; k < to; k++) {
                float gk = g[k];
                float mk = fb1 * mi[k] + oneMinusB1 * gk;
                float vk = fb2 * vi[k] + oneMinusB2 * gk * gk;
                mi[k] = mk;
                vi[k] = vk;
                float denom = (float) Math.sqrt(vk) * invSqrtBc2 + eps;
                theta[k] = theta[k] * keep - stepSize * mk / denom;
              }
            });
  }

  /** Elements per task of {@link #step}. */
  private static final int CHUNK = 1 << 16;

  /** A copy of the optimizer state, for a checkpoint. */
  public State state() {
    List<float[]> ms = new ArrayList<>();
    List<float[]> vs = new ArrayList<>();
    for (int i = 0; i < parameters.size(); i++) {
      ms.add(m[i].clone());
      vs.add(v[i].clone());
    }
    return new State(step, ms, vs);
  }

  /** Restores a state taken from an optimizer over parameters of the same shapes. */
  public void restore(State state) {
    if (state.firstMoments().size() != parameters.size()
        || state.secondMoments().size() != parameters.size()) {
      throw new IllegalArgumentException(
          "optimizer state holds "
              + state.firstMoments().size()
              + " tensors but "
              + parameters.size()
              + " parameters are trained");
    }
    for (int i = 0; i < parameters.size(); i++) {
      if (state.firstMoments().get(i).length != m[i].length
          || state.secondMoments().get(i).length != v[i].length) {
        throw new IllegalArgumentException(
            "optimizer state for " + parameters.get(i).name() + " has the wrong size");
      }
    }
    for (int i = 0; i < parameters.size(); i++) {
      System.arraycopy(state.firstMoments().get(i), 0, m[i], 0, m[i].length);
      System.arraycopy(state.secondMoments().get(i), 0, v[i], 0, v[i].length);
    }
    step = state.step();
  }

  /**
   * AdamW's state: steps taken and the two moments, one array per parameter in the optimizer's
   * order.
   *
   * @param step steps taken
   * @param firstMoments m per parameter
   * @param secondMoments v per parameter
   */
  public record State(long step, List<float[]> firstMoments, List<float[]> secondMoments) {
    /** Copies the lists (not the arrays). */
    public State {
      firstMoments = List.copyOf(firstMoments);
      secondMoments = List.copyOf(secondMoments);
    }
  }
}
