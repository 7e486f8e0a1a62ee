package dev.lathe.finetune;

/**
 * The preference metrics of a DPO step or evaluation, with TRL's names and definitions (means over
 * the pairs; a reward is β · (log π(y) − log π_ref(y)) summed over the answer's tokens).
 *
 * @param chosen {@code rewards/chosen}: mean reward of the preferred answers
 * @param rejected {@code rewards/rejected}: mean reward of the non-preferred answers
 * @param accuracy {@code rewards/accuracies}: fraction of pairs whose preferred reward is higher
 * @param margin {@code rewards/margins}: mean of (chosen − rejected) reward
 */
public record PreferenceRewards(double chosen, double rejected, double accuracy, double margin) {}
