package dev.lathe.finetune;

/**
 * The DPO loss of one preference pair (Rafailov et al. 2023, "Direct Preference Optimization",
 * arXiv 2305.18290), in double precision, with its derivatives with respect to the policy's
 * log-probabilities.
 *
 * <pre>
 * // inputs: log π(y_w|x), log π(y_l|x) of the policy and of the frozen reference (sums over the
 * // answer tokens only)
 * r_w = β (log π(y_w) − log π_ref(y_w))      the implicit reward of the chosen answer
 * r_l = β (log π(y_l) − log π_ref(y_l))      ... and of the rejected one
 * z   = r_w − r_l                            the reward margin
 * L   = −log σ(z) = softplus(−z)
 * dL/dlog π(y_w) = −β σ(−z),   dL/dlog π(y_l) = +β σ(−z)
 * </pre>
 *
 * With the policy equal to the reference, z = 0, L = log 2 and the gradient is {@code −β/2 · (∇log
 * π(y_w) − ∇log π(y_l))}.
 *
 * @param beta the strength of the pull towards the reference, in (0, 2]
 */
public record DpoLoss(double beta) {

  /** TRL's and OpenAI's default beta. */
  public static final double DEFAULT_BETA = 0.1;

  /** Validates with the API's range. */
  public DpoLoss {
    if (!(beta > 0 && beta <= 2)) {
      throw new IllegalArgumentException("beta must be in (0, 2], got " + beta);
    }
  }

  /**
   * One pair's loss, derivatives and rewards.
   *
   * @param loss −log σ(z)
   * @param dChosen dL / dlog π(y_w)
   * @param dRejected dL / dlog π(y_l)
   * @param chosenReward r_w
   * @param rejectedReward r_l
   */
  public record Pair(
      double loss, double dChosen, double dRejected, double chosenReward, double rejectedReward) {

    /** The reward margin r_w − r_l. */
    public double margin() {
      return chosenReward - rejectedReward;
    }
  }

  /** The loss of a pair from the policy's and the reference's summed answer log-probabilities. */
  public Pair pair(
      double policyChosen, double policyRejected, double refChosen, double refRejected) {
    double rw = beta * (policyChosen - refChosen);
    double rl = beta * (policyRejected - refRejected);
    double z = rw - rl;
    double sigmoidMinusZ = sigmoid(-z);
    return new Pair(softplus(-z), -beta * sigmoidMinusZ, beta * sigmoidMinusZ, rw, rl);
  }

  /** log(1 + e^x) without overflow. */
  static double softplus(double x) {
    return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
  }

  /** 1 / (1 + e^−x) without overflow. */
  static double sigmoid(double x) {
    if (x >= 0) {
      return 1 / (1 + Math.exp(-x));
    }
    double e = Math.exp(x);
    return e / (1 + e);
  }
}
