package dev.lathe.cli;

import dev.lathe.dataset.ValidationOptions;
import dev.lathe.dataset.build.BuildOptions;
import dev.lathe.dataset.build.DatasetBuildException;
import dev.lathe.dataset.build.ExampleStream;
import dev.lathe.dataset.build.ExampleTemplate;
import dev.lathe.dataset.build.RecordSource;
import dev.lathe.tokenizer.ChatTemplateException;
import dev.lathe.tokenizer.TextTemplate;
import java.io.IOException;
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
      "Exit status: 0 written, 1 bad data or invalid output (nothing written), 2 unusable call."
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
    return DatasetRun.run(cl, "build", examples, options);
  }
}
