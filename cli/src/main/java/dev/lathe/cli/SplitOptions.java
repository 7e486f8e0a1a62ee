package dev.lathe.cli;

import dev.lathe.dataset.build.BuildOptions;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The train/validation split options shared by {@code lathe dataset build} and {@code split}. */
final class SplitOptions {

  @Option(
      names = "--valid-out",
      paramLabel = "FILE",
      description = "Write a validation file here (with --valid-ratio or --valid-count).")
  Path validOut;

  @Option(
      names = "--valid-ratio",
      paramLabel = "R",
      description =
          "Put about this share (0 < R < 1) of the groups in validation: each group by its"
              + " seeded hash, independently of the others.")
  Double validRatio;

  @Option(
      names = "--valid-count",
      paramLabel = "N",
      description = "Put exactly N groups in validation (the N smallest seeded hashes).")
  Integer validCount;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "The split's seed: the same seed gives the same split. Default: ${DEFAULT-VALUE}.")
  long seed;

  /** {@code options} with this split, or unchanged without one; refuses a half-given split. */
  BuildOptions apply(CommandLine cl, BuildOptions options) {
    boolean split = validRatio != null || validCount != null;
    if (validRatio != null && validCount != null) {
      throw new CommandLine.ParameterException(
          cl, "Give --valid-ratio or --valid-count, not both.");
    }
    if (split != (validOut != null)) {
      throw new CommandLine.ParameterException(
          cl,
          split
              ? "A split needs --valid-out FILE for the validation examples."
              : "--valid-out needs --valid-ratio R or --valid-count N.");
    }
    if (validRatio != null && !(validRatio > 0 && validRatio < 1)) {
      throw new CommandLine.ParameterException(
          cl, "--valid-ratio must be between 0 and 1 (e.g. 0.1), got " + validRatio + ".");
    }
    if (validCount != null && validCount < 1) {
      throw new CommandLine.ParameterException(
          cl, "--valid-count must be at least 1, got " + validCount + ".");
    }
    return split ? options.withSplit(validOut, validRatio, validCount, seed) : options;
  }
}
