package dev.lathe.cli;

import dev.lathe.dataset.build.BuildOptions;
import dev.lathe.dataset.build.DatasetBuildException;
import dev.lathe.dataset.build.JsonlExamples;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lathe dataset split}: an existing JSONL file into training and validation files. */
@Command(
    name = "split",
    mixinStandardHelpOptions = true,
    description = {
      "Split a fine-tuning JSONL file into training and validation files, seeded and grouped.",
      "Exit status: 0 written, 1 bad data or invalid output (nothing written), 2 unusable call."
    })
public final class DatasetSplitCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The JSONL file to split.")
  Path file;

  @Option(
      names = "--train-out",
      required = true,
      paramLabel = "FILE",
      description = "Where the training examples go.")
  Path trainOut;

  @Option(
      names = "--group-by",
      paramLabel = "POINTER",
      description =
          "Keep examples sharing the value at this JSON pointer (e.g. /messages/1/content) on one"
              + " side; default: each line on its own.")
  String groupBy;

  @CommandLine.Mixin SplitOptions split;

  @Override
  public Integer call() {
    CommandLine cl = spec.commandLine();
    if (split.validOut == null) {
      throw new CommandLine.ParameterException(
          cl, "lathe dataset split needs --valid-out FILE and --valid-ratio R or --valid-count N.");
    }
    BuildOptions options = split.apply(cl, BuildOptions.to(trainOut)).withDedupe(false, 0);
    try {
      return DatasetRun.run(cl, "split", JsonlExamples.of(file, groupBy), options);
    } catch (DatasetBuildException e) {
      throw new CommandLine.ParameterException(cl, e.getMessage());
    }
  }
}
