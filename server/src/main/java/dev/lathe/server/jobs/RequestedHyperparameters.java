package dev.lathe.server.jobs;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.finetune.DpoLoss;
import dev.lathe.finetune.FineTuneMethod;
import dev.lathe.finetune.Hyperparameters;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A job request's hyperparameters as the caller gave them: each a value or null for {@code "auto"}.
 * Written and read in OpenAI's JSON shape ({@code {"batch_size": "auto",
 * "learning_rate_multiplier": 2.0, "n_epochs": 3}}, plus {@code beta} for DPO), which is also the
 * shape stored in a job's payload. The defaults behind {@code auto} are the engine's: {@link
 * Hyperparameters#resolve} for the three supervised ones, {@link DpoLoss#DEFAULT_BETA} for beta.
 *
 * @param batchSize batch_size, or null for auto
 * @param learningRateMultiplier learning_rate_multiplier, or null for auto
 * @param nEpochs n_epochs, or null for auto
 * @param beta DPO's beta, or null for auto (and for supervised jobs)
 * @param dpo whether these are a DPO job's (which name {@code beta})
 */
public record RequestedHyperparameters(
    Integer batchSize, Double learningRateMultiplier, Integer nEpochs, Double beta, boolean dpo) {

  /** Reads the stored (or validated) JSON object; a field that is not a number is auto. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  static RequestedHyperparameters fromJson(JsonNode node) {
    return new RequestedHyperparameters(
        node.path("batch_size").isIntegralNumber() ? node.get("batch_size").asInt() : null,
        node.path("learning_rate_multiplier").isNumber()
            ? node.get("learning_rate_multiplier").asDouble()
            : null,
        node.path("n_epochs").isIntegralNumber() ? node.get("n_epochs").asInt() : null,
        node.path("beta").isNumber() ? node.get("beta").asDouble() : null,
        node.has("beta"));
  }

  /** The JSON object, {@code "auto"} for each value not given. */
  @JsonValue
  Map<String, Object> toJson() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("batch_size", orAuto(batchSize));
    out.put("learning_rate_multiplier", orAuto(learningRateMultiplier));
    out.put("n_epochs", orAuto(nEpochs));
    if (dpo) {
      out.put("beta", orAuto(beta));
    }
    return out;
  }

  /**
   * The hyperparameters a job on {@code examples} training examples trains with, on a model of
   * {@code blockWeights} transformer-block weights, with LoRA or in full.
   */
  public Hyperparameters resolve(int examples, long blockWeights, boolean lora) {
    return Hyperparameters.resolve(
        nEpochs, batchSize, learningRateMultiplier, examples, blockWeights, lora);
  }

  /** DPO's beta as the job trains with it: the given one, or the engine's default for auto. */
  public double resolvedBeta() {
    return beta != null ? beta : DpoLoss.DEFAULT_BETA;
  }

  /** The method these hyperparameters run: DPO with its beta, or supervised. */
  public FineTuneMethod<?> method() {
    return dpo ? FineTuneMethod.dpo(resolvedBeta()) : FineTuneMethod.SUPERVISED;
  }

  private static Object orAuto(Object value) {
    return value == null ? "auto" : value;
  }
}
