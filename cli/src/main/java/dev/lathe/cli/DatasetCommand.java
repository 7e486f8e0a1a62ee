package dev.lathe.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code lathe dataset}: build fine-tuning files from raw data, and split, dedupe or describe them.
 */
@Command(
    name = "dataset",
    mixinStandardHelpOptions = true,
    description = {
      "Build a fine-tuning JSONL file from CSV, JSONL, HTML or text with a template;",
      "split, deduplicate or describe an existing one."
    },
    subcommands = {
      DatasetBuildCommand.class,
      DatasetSplitCommand.class,
      DatasetDedupeCommand.class,
      DatasetStatsCommand.class
    })
public final class DatasetCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
