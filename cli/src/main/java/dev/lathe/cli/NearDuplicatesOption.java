package dev.lathe.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --near-duplicates S}, shared by the {@code lathe dataset} commands. */
final class NearDuplicatesOption {

  @Option(
      names = "--near-duplicates",
      paramLabel = "SIMILARITY",
      description =
          "Near duplicates: examples whose normalised text is at least this similar (0 < S <= 1,"
              + " e.g. 0.8) to an earlier one, by a MinHash estimate.")
  Double near;

  /** The similarity given, or {@code otherwise} (0: off); refuses one outside (0, 1]. */
  double threshold(CommandLine cl, double otherwise) {
    if (near == null) {
      return otherwise;
    }
    if (!(near > 0 && near <= 1)) {
      throw new CommandLine.ParameterException(
          cl, "--near-duplicates must be a similarity in (0, 1], e.g. 0.8; got " + near + ".");
    }
    return near;
  }
}
