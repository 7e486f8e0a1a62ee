package dev.lathe.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.transformer.train.TrainableModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The frozen reference policy's log-probabilities of every pair's answers, computed once before DPO
 * training and kept for the whole run (π_ref never changes, so recomputing it every step would only
 * cost time).
 *
 * <p>For LoRA the reference is the same model with its adapters switched off: no second copy of the
 * weights exists. For full fine-tuning it is the model's weights before the first step, which is
 * when these numbers are taken. They are stored next to the checkpoints ({@link #write}) and read
 * back on resume ({@link #read}), so a resumed full fine-tune (whose weights have moved) uses
 * exactly the numbers of the run that stopped.
 */
public final class ReferenceLogProbs {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** File name of the stored values. */
  public static final String FILE_NAME = "reference-logprobs.json";

  private final Map<PreferenceExample, double[]> values;

  private ReferenceLogProbs(Map<PreferenceExample, double[]> values) {
    this.values = values;
  }

  /**
   * Computes the reference log-probabilities of {@code examples} with {@code model} as it is now
   * (adapters switched off while computing when {@code adaptersOff}).
   */
  public static ReferenceLogProbs compute(
      TrainableModel model,
      boolean adaptersOff,
      List<PreferenceExample> examples,
      MicroBatcher batcher) {
    Map<PreferenceExample, double[]> values = new IdentityHashMap<>();
    if (adaptersOff) {
      model.setAdaptersEnabled(false);
    }
    try {
      int chunk = 64; // pairs per split: bounds the micro-batch lists, not the result
      for (int from = 0; from < examples.size(); from += chunk) {
        List<PreferenceExample> part =
            examples.subList(from, Math.min(examples.size(), from + chunk));
        List<TrainingExample> sequences = DpoObjective.sequences(part);
        DpoObjective.SequenceLogProbs lp =
            DpoObjective.logProbs(model, batcher.split(sequences), sequences.size());
        for (int p = 0; p < part.size(); p++) {
          values.put(part.get(p), new double[] {lp.logProb()[2 * p], lp.logProb()[2 * p + 1]});
        }
      }
    } finally {
      if (adaptersOff) {
        model.setAdaptersEnabled(true);
      }
    }
    return new ReferenceLogProbs(values);
  }

  /** log π_ref(y_w | x) of {@code e}. */
  public double chosen(PreferenceExample e) {
    return get(e)[0];
  }

  /** log π_ref(y_l | x) of {@code e}. */
  public double rejected(PreferenceExample e) {
    return get(e)[1];
  }

  private double[] get(PreferenceExample e) {
    double[] v = values.get(e);
    if (v == null) {
      throw new IllegalArgumentException(
          "no reference log-probabilities for the pair of line "
              + e.line()
              + ": compute them over every training and validation pair before training");
    }
    return v;
  }

  /** Writes the values of {@code order}'s pairs, in that order, atomically to {@code file}. */
  public void write(Path file, List<PreferenceExample> order) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("pairs", order.size());
    ArrayNode chosen = root.putArray("chosen");
    ArrayNode rejected = root.putArray("rejected");
    for (PreferenceExample e : order) {
      chosen.add(chosen(e));
      rejected.add(rejected(e));
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    JSON.writeValue(tmp.toFile(), root);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Reads values written by {@link #write} for the same pairs in the same order. */
  public static ReferenceLogProbs read(Path file, List<PreferenceExample> order)
      throws IOException {
    JsonNode root = JSON.readTree(file.toFile());
    int n = root.path("pairs").asInt(-1);
    JsonNode chosen = root.path("chosen");
    JsonNode rejected = root.path("rejected");
    if (n != order.size() || chosen.size() != n || rejected.size() != n) {
      throw new IllegalArgumentException(
          file
              + " holds reference log-probabilities of "
              + n
              + " pairs but this run has "
              + order.size()
              + ": resume with the same training and validation files");
    }
    Map<PreferenceExample, double[]> values = new IdentityHashMap<>();
    for (int i = 0; i < n; i++) {
      values.put(order.get(i), new double[] {chosen.get(i).asDouble(), rejected.get(i).asDouble()});
    }
    return new ReferenceLogProbs(values);
  }
}
