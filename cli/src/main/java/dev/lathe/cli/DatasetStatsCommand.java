package dev.lathe.cli;

import dev.lathe.dataset.TokenCounter;
import dev.lathe.dataset.build.DatasetBuildException;
import dev.lathe.dataset.build.DatasetStats;
import dev.lathe.dataset.build.JsonlExamples;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lathe dataset stats}: examples, messages, tokens and duplicates of a JSONL file. */
@Command(
    name = "stats",
    mixinStandardHelpOptions = true,
    description = {
      "Describe a fine-tuning JSONL file: examples per format, messages, tokens and characters",
      "per example, exact and near duplicates. (lathe validate checks it and estimates cost.)",
      "Exit status: 0 described, 1 unreadable data, 2 unusable call."
    })
public final class DatasetStatsCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The JSONL file.")
  Path file;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      description = "Count tokens with this OpenAI model's or local model's tokenizer.")
  String model;

  /** Counted as near duplicates unless {@code --near-duplicates} says otherwise. */
  static final double DEFAULT_NEAR = 0.8;

  @CommandLine.Mixin NearDuplicatesOption near;

  @Override
  public Integer call() {
    CommandLine cl = spec.commandLine();
    double nearThreshold = near.threshold(cl, DEFAULT_NEAR);
    ValidateCommand.Target target = ValidateCommand.resolveTarget(cl, model);
    try {
      DatasetStats stats =
          DatasetStats.of(
              JsonlExamples.of(file, null), new TokenCounter(target.tokenizer()), nearThreshold);
      stats.print(cl.getOut(), target.description());
      return 0;
    } catch (DatasetBuildException | IOException e) {
      cl.getErr().println("lathe dataset stats: " + e.getMessage());
      cl.getErr().flush();
      return 1;
    } finally {
      if (target.tokenizer() instanceof AutoCloseable closeable) {
        ValidateCommand.closeQuietly(closeable);
      }
    }
  }
}
