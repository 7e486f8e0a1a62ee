package dev.lathe.cli;

import dev.lathe.cli.client.CompareCommand;
import dev.lathe.cli.client.FilesCommand;
import dev.lathe.cli.client.JobsCommand;
import dev.lathe.cli.client.ModelsCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lathe} command: one entry point, one subcommand per task. */
@Command(
    name = "lathe",
    mixinStandardHelpOptions = true,
    version = "lathe 0.1.0",
    description = "Fine-tune and serve open-weight language models behind the OpenAI API.",
    subcommands = {
      CommandLine.HelpCommand.class,
      ValidateCommand.class,
      GenerateCommand.class,
      ChatCommand.class,
      TrainCommand.class,
      ServeCommand.class,
      WorkerCommand.class,
      DistillCommand.class,
      EvalCommand.class,
      ExportCommand.class,
      DatasetCommand.class,
      FilesCommand.class,
      JobsCommand.class,
      ModelsCommand.class,
      CompareCommand.class
    })
public final class Lathe implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Builds the command line with every subcommand registered. */
  public static CommandLine commandLine() {
    return new CommandLine(new Lathe());
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }
}
