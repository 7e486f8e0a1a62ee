package dev.lathe.cli.client;

import com.openai.client.OpenAIClient;
import com.openai.models.models.Model;
import com.openai.models.models.ModelDeleted;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code lathe models}: the models an OpenAI-compatible API serves. */
@Command(
    name = "models",
    mixinStandardHelpOptions = true,
    description = "Models on an OpenAI-compatible API (Lathe, OpenAI, or another).",
    footer = ExitCodes.FOOTER,
    subcommands = {
      ModelsCommand.ListModels.class,
      ModelsCommand.Get.class,
      ModelsCommand.Delete.class
    })
public final class ModelsCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static String line(Model m) {
    return String.join("  ", m.id(), m.ownedBy(), Times.instant(m.created()));
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = "List the models: bases, fine-tunes and their checkpoints.")
  static final class ListModels extends ClientCommand {
    @Override
    protected int run(OpenAIClient client) {
      client.models().list().autoPager().stream().forEach(m -> print(m, ModelsCommand::line));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = "Show one model.")
  static final class Get extends ClientCommand {
    @Parameters(paramLabel = "MODEL")
    String id;

    @Override
    protected int run(OpenAIClient client) {
      print(client.models().retrieve(id), ModelsCommand::line);
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = "Delete a fine-tuned model.")
  static final class Delete extends ClientCommand {
    @Parameters(paramLabel = "MODEL")
    String id;

    @Override
    protected int run(OpenAIClient client) {
      ModelDeleted deleted = client.models().delete(id);
      print(deleted, d -> (d.deleted() ? "deleted " : "not deleted ") + d.id());
      return deleted.deleted() ? ExitCodes.OK : ExitCodes.FAILED;
    }
  }
}
