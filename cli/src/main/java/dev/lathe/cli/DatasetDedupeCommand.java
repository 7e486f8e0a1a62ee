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

/** {@code lathe dataset dedupe}: an existing JSONL file without its (near) duplicate examples. */
@Command(
    name = "dedupe",
    mixinStandardHelpOptions = true,
    description = {
      "Write a fine-tuning JSONL file without exact (and optionally near) duplicate examples,",
      "compared by normalised text; the first of each is kept.",
      "Exit status: 0 written, 1 bad data or invalid output (nothing written), 2 unusable call."
    })
public final class DatasetDedupeCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The JSONL file to deduplicate.")
  Path file;

  @Option(
      names = {"-o", "--out"},
      required = true,
      paramLabel = "FILE",
      description = "Where the kept examples go.")
  Path out;

  @CommandLine.Mixin NearDuplicatesOption near;

  @Override
  public Integer call() {
    CommandLine cl = spec.commandLine();
    BuildOptions options = BuildOptions.to(out).withDedupe(true, near.threshold(cl, 0));
    try {
      return DatasetRun.run(cl, "dedupe", JsonlExamples.of(file, null), options);
    } catch (DatasetBuildException e) {
      throw new CommandLine.ParameterException(cl, e.getMessage());
    }
  }
}
