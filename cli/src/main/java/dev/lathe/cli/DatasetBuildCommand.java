package dev.lathe.cli;

import com.openai.client.OpenAIClient;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import dev.lathe.cli.client.ClientErrors;
import dev.lathe.cli.client.Connection;
import dev.lathe.cli.client.ExitCodes;
import dev.lathe.cli.client.FilesCommand;
import dev.lathe.dataset.ValidationOptions;
import dev.lathe.dataset.build.BuildOptions;
import dev.lathe.dataset.build.DatasetBuildException;
import dev.lathe.dataset.build.ExampleStream;
import dev.lathe.dataset.build.ExampleTemplate;
import dev.lathe.dataset.build.RecordSource;
import dev.lathe.tokenizer.ChatTemplateException;
import dev.lathe.tokenizer.TextTemplate;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lathe dataset build}: records from CSV, JSONL, HTML or text files, through a Jinja
 * template, into a validated fine-tuning JSONL file (optionally split, deduplicated, token-capped).
 */
@Command(
    name = "build",
    mixinStandardHelpOptions = true,
    description = {
      "Build a fine-tuning JSONL file from records: CSV rows, JSONL objects, HTML pages, text"
          + " files (folders are walked).",
      "The template turns each record into examples in marker form"
          + " (<|system|> ... <|user|> ... <|assistant|> ...).",
      "The output is validated before it is written; on errors nothing is written.",
      "--upload then sends the written file(s) to an OpenAI-compatible endpoint (--base-url and"
          + " --api-key, or OPENAI_BASE_URL and OPENAI_API_KEY) and prints their file ids.",
      "Exit status: 0 written (and uploaded), 1 bad data or invalid output (nothing written),"
          + " 2 unusable call, 3 the endpoint refused the upload, 4 the endpoint is unreachable"
          + " (the files stay written)."
    })
public final class DatasetBuildCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(
      arity = "1..*",
      paramLabel = "INPUT",
      description = "Files or folders: .csv, .jsonl, .html/.htm, .txt/.md.")
  List<Path> inputs;

  @Option(
      names = "--template",
      required = true,
      paramLabel = "FILE",
      description =
          "The Jinja template; a record's fields are its variables (also as record[...]).")
  Path template;

  @Option(
      names = {"-o", "--out"},
      required = true,
      paramLabel = "FILE",
      description = "The JSONL file to write (the training side of a split).")
  Path out;

  @Option(
      names = "--select",
      paramLabel = "NAME=CSS",
      description =
          "An HTML field from a CSS selector, e.g. --select address=.address (repeatable).")
  Map<String, String> selectors = new LinkedHashMap<>();

  @Option(
      names = "--group-by",
      paramLabel = "FIELD",
      description =
          "Keep records sharing this field's value on one side of the split (default: each"
              + " record's examples stay together).")
  String groupBy;

  @CommandLine.Mixin SplitOptions split;

  @Option(names = "--no-dedupe", description = "Keep duplicate examples.")
  boolean noDedupe;

  @CommandLine.Mixin NearDuplicatesOption near;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      description =
          "The tokenizer for --max-tokens: an OpenAI model name or a local model directory"
              + " (default cl100k_base).")
  String model;

  @Option(
      names = "--max-tokens",
      paramLabel = "N",
      description = "Drop examples over N tokens (the cookbook's count for --model).")
  Integer maxTokens;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "Require this format: ${COMPLETION-CANDIDATES}. Default: any.")
  ValidateCommand.FormatOption format;

  @Option(
      names = "--upload",
      description =
          "After writing, upload the file(s) with purpose fine-tune to the endpoint and print"
              + " their ids.")
  boolean upload;

  @CommandLine.Mixin Connection connection;

  @Override
  public Integer call() {
    CommandLine cl = spec.commandLine();
    double nearThreshold = near.threshold(cl, 0);
    if (nearThreshold > 0 && noDedupe) {
      throw new CommandLine.ParameterException(
          cl, "--near-duplicates and --no-dedupe contradict each other; drop one.");
    }
    TextTemplate text;
    try {
      text =
          TextTemplate.of(
              template.toString(),
              Files.readString(template, StandardCharsets.UTF_8),
              Clock.systemUTC());
    } catch (IOException e) {
      throw new CommandLine.ParameterException(
          cl, "Cannot read the template '" + template + "': " + e.getMessage());
    } catch (ChatTemplateException e) {
      throw new CommandLine.ParameterException(cl, e.getMessage());
    }
    BuildOptions options =
        split
            .apply(cl, BuildOptions.to(out))
            .withDedupe(!noDedupe, nearThreshold)
            .withBudget(DatasetRun.counter(cl, model, maxTokens), maxTokens == null ? 0 : maxTokens)
            .withValidation(
                ValidationOptions.defaults()
                    .withMaxIssuesPerCode(ValidateCommand.OCCURRENCES_PER_CODE)
                    .withExpectedFormat(format == null ? null : format.format));
    RecordSource source;
    try {
      source = RecordSource.of(inputs, selectors);
    } catch (DatasetBuildException e) {
      throw new CommandLine.ParameterException(cl, e.getMessage());
    } catch (IOException e) {
      throw new CommandLine.ParameterException(cl, "Cannot list the inputs: " + e.getMessage());
    }
    ExampleStream examples = ExampleStream.of(source, new ExampleTemplate(text), groupBy);
    int status = DatasetRun.run(cl, "build", examples, options);
    return status != 0 || !upload ? status : upload(cl, options);
  }

  /** Uploads what was written (training file, then validation file); the exit status. */
  private int upload(CommandLine cl, BuildOptions options) {
    PrintWriter err = cl.getErr();
    OpenAIClient client = null;
    try {
      client = connection.client();
      for (Path file : new Path[] {options.train(), options.validation()}) {
        if (file == null) {
          continue;
        }
        FileObject created = FilesCommand.upload(client, file, FilePurpose.FINE_TUNE, err, false);
        cl.getOut().println("Uploaded " + file + " as " + created.id());
      }
      cl.getOut().flush();
      return ExitCodes.OK;
    } catch (Exception e) {
      return ClientErrors.report("dataset build --upload", connection.baseUrl(), e, err);
    } finally {
      if (client != null) {
        client.close();
      }
    }
  }
}
