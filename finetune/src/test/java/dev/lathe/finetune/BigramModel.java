package dev.lathe.finetune;

import dev.lathe.transformer.train.BatchResult;
import dev.lathe.transformer.train.Parameter;
import dev.lathe.transformer.train.TokenBatch;
import dev.lathe.transformer.train.TrainableModel;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A small real model for testing the training loop: softmax regression on the current token and the
 * previous token of the same segment, {@code logits_t = W[x_t] + U[x_{t-1}]} (U only when t-1 is in
 * the same example), with analytic gradients. Using the previous token makes segment boundaries
 * matter, as attention does in a transformer.
 */
final class BigramModel implements TrainableModel {

  private final int vocab;
  private final Parameter current;
  private final Parameter previous;

  BigramModel(int vocab, long seed) {
    this.vocab = vocab;
    SplittableRandom r = new SplittableRandom(seed);
    float[] w = new float[vocab * vocab];
    float[] u = new float[vocab * vocab];
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) r.nextDouble(-0.1, 0.1);
      u[i] = (float) r.nextDouble(-0.1, 0.1);
    }
    current = new Parameter("current.weight", new int[] {vocab, vocab}, w, new float[w.length]);
    previous = new Parameter("previous.weight", new int[] {vocab, vocab}, u, new float[u.length]);
  }

  @Override
  public List<Parameter> trainableParameters() {
    return List.of(current, previous);
  }

  @Override
  public BatchResult forwardBackward(TokenBatch batch, float[] segmentScale) {
    if (segmentScale.length != batch.segmentCount()) {
      throw new IllegalArgumentException("one scale per segment");
    }
    return run(batch, segmentScale);
  }

  @Override
  public BatchResult evaluate(TokenBatch batch) {
    return run(batch, null);
  }

  @Override
  public void setAdaptersEnabled(boolean enabled) {
    if (!enabled) {
      throw new UnsupportedOperationException("the bigram model has no adapters");
    }
  }

  private BatchResult run(TokenBatch b, float[] scale) {
    double[] logProb = new double[b.segmentCount()];
    long[] tokens = new long[b.segmentCount()];
    long[] correct = new long[b.segmentCount()];
    float[] logits = new float[vocab];
    for (int r = 0; r < b.rows(); r++) {
      for (int t = 0; t < b.seqLen(); t++) {
        int i = r * b.seqLen() + t;
        int s = b.segments()[i];
        int target = b.targets()[i];
        if (s < 0 || target < 0) {
          continue;
        }
        int x = b.tokens()[i];
        boolean hasPrev = t > 0 && b.segments()[i - 1] == s;
        int xp = hasPrev ? b.tokens()[i - 1] : -1;
        // logits: (V,) = W[x] + U[xp]
        float max = Float.NEGATIVE_INFINITY;
        int argmax = 0;
        for (int v = 0; v < vocab; v++) {
          logits[v] =
              current.value()[x * vocab + v] + (hasPrev ? previous.value()[xp * vocab + v] : 0f);
          if (logits[v] > max) {
            max = logits[v];
            argmax = v;
          }
        }
        double sum = 0;
        for (int v = 0; v < vocab; v++) {
          sum += Math.exp(logits[v] - max);
        }
        logProb[s] += logits[target] - max - Math.log(sum);
        tokens[s]++;
        if (argmax == target) {
          correct[s]++;
        }
        if (scale != null) {
          // d(scale · −log p_target)/dlogits = scale · (p − onehot(target))
          for (int v = 0; v < vocab; v++) {
            float g = (float) (Math.exp(logits[v] - max) / sum) - (v == target ? 1f : 0f);
            g *= scale[s];
            current.grad()[x * vocab + v] += g;
            if (hasPrev) {
              previous.grad()[xp * vocab + v] += g;
            }
          }
        }
      }
    }
    return new BatchResult(logProb, tokens, correct);
  }
}
