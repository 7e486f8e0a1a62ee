package dev.lathe.finetune;

/**
 * How a run ended.
 *
 * @param steps optimizer steps completed
 * @param totalSteps steps planned
 * @param cancelled whether it stopped early on request
 * @param fullValidLoss mean cross-entropy over the whole validation file, NaN without one (or when
 *     cancelled)
 * @param fullValidAccuracy token accuracy over the whole validation file, NaN likewise
 * @param trainedTokens trained tokens seen over the run (this process only)
 * @param bestStep the epoch-end step whose weights the run ends with (the lowest whole-validation
 *     loss, {@link BestCheckpoint}); 0 without a validation file (the run ends with the last
 *     step's)
 * @param stoppedEarly whether validation loss stopped improving for {@code patience} epochs, so the
 *     run ended before {@code totalSteps}
 */
public record TrainingSummary(
    int steps,
    int totalSteps,
    boolean cancelled,
    double fullValidLoss,
    double fullValidAccuracy,
    long trainedTokens,
    int bestStep,
    boolean stoppedEarly) {}
