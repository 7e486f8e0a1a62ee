package dev.lathe.dataset.build;

import dev.lathe.dataset.TokenCounter;
import dev.lathe.dataset.ValidationOptions;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What {@link DatasetBuilder} writes and drops.
 *
 * @param train the output file (all examples, or the training side of a split)
 * @param validation the validation file of a split; null without a split
 * @param validRatio share of the groups for validation, or null
 * @param validCount number of groups for validation, or null (at most one of ratio and count)
 * @param seed the split's seed
 * @param dedupe drop exact duplicates (normalised text)
 * @param nearThreshold with {@code dedupe}, also drop near duplicates at this similarity in (0, 1];
 *     0 for off
 * @param counter the tokenizer's counter for the token budget; null for no budget
 * @param maxTokens drop examples over this many tokens (with {@code counter})
 * @param validationOptions how the outputs are validated before they are written
 */
public record BuildOptions(
    Path train,
    Path validation,
    Double validRatio,
    Integer validCount,
    long seed,
    boolean dedupe,
    double nearThreshold,
    TokenCounter counter,
    int maxTokens,
    ValidationOptions validationOptions) {

  /** Checks that the options fit together. */
  public BuildOptions {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(validationOptions, "validationOptions");
    if (validRatio != null && validCount != null) {
      throw new IllegalArgumentException("give a validation ratio or a count, not both");
    }
    boolean split = validRatio != null || validCount != null;
    if (split != (validation != null)) {
      throw new IllegalArgumentException(
          split
              ? "a split needs a validation output file"
              : "a validation output file needs a split ratio or count");
    }
    if (nearThreshold > 0 && !dedupe) {
      throw new IllegalArgumentException("near-duplicate removal needs deduplication on");
    }
    if (counter != null && maxTokens < 1) {
      throw new IllegalArgumentException("the token budget must be >= 1, got " + maxTokens);
    }
  }

  /** Options writing every example to {@code train}, exact duplicates dropped, nothing else. */
  public static BuildOptions to(Path train) {
    return new BuildOptions(
        train, null, null, null, 0, true, 0, null, 0, ValidationOptions.defaults());
  }

  /** These options with a split into {@code validation} (ratio or count, the other null). */
  public BuildOptions withSplit(Path validation, Double ratio, Integer count, long seed) {
    return new BuildOptions(
        train,
        validation,
        ratio,
        count,
        seed,
        dedupe,
        nearThreshold,
        counter,
        maxTokens,
        validationOptions);
  }

  /** These options with deduplication set. */
  public BuildOptions withDedupe(boolean exact, double near) {
    return new BuildOptions(
        train,
        validation,
        validRatio,
        validCount,
        seed,
        exact,
        near,
        counter,
        maxTokens,
        validationOptions);
  }

  /** These options with a token budget ({@code counter} null: none). */
  public BuildOptions withBudget(TokenCounter counter, int maxTokens) {
    return new BuildOptions(
        train,
        validation,
        validRatio,
        validCount,
        seed,
        dedupe,
        nearThreshold,
        counter,
        maxTokens,
        validationOptions);
  }

  /** These options validating with {@code options}. */
  public BuildOptions withValidation(ValidationOptions options) {
    return new BuildOptions(
        train,
        validation,
        validRatio,
        validCount,
        seed,
        dedupe,
        nearThreshold,
        counter,
        maxTokens,
        options);
  }
}
