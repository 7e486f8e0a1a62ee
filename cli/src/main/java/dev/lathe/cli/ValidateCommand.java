package dev.lathe.cli;

import dev.lathe.dataset.DatasetEstimate;
import dev.lathe.dataset.DatasetFormat;
import dev.lathe.dataset.DatasetStatistics;
import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.TokenCounter;
import dev.lathe.dataset.TokenStatistics;
import dev.lathe.dataset.TrainingCostTable;
import dev.lathe.dataset.TrainingTokenLimits;
import dev.lathe.dataset.ValidationOptions;
import dev.lathe.dataset.ValidationReport;
import dev.lathe.dataset.ValidationReportJson;
import dev.lathe.dataset.ValidationReportPrinter;
import dev.lathe.finetune.TrainingBase;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.tokenizer.OpenAiEncoding;
import dev.lathe.tokenizer.OpenAiTokenizer;
import dev.lathe.tokenizer.TextTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lathe validate FILE}: checks a fine-tuning JSONL file as OpenAI would, and prints the
 * cookbook's token statistics, epochs and cost estimate. A thin shell over {@link
 * DatasetValidator}, {@link TokenStatistics} and the report printers of the dataset module.
 *
 * <p>Exit status: 0 when the file has no error (warnings allowed), 1 when it has errors, 2 when the
 * call itself is unusable (missing file, unknown model, bad option).
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Validate an OpenAI fine-tuning JSONL file and estimate its tokens, epochs and cost.",
      "Exit status: 0 valid (warnings allowed), 1 errors found, 2 unusable call."
    })
public final class ValidateCommand implements Callable<Integer> {

  /** Occurrences shown (and kept) per issue code. */
  static final int OCCURRENCES_PER_CODE = 5;

  /** The {@code --format} values. */
  enum FormatOption {
    chat(DatasetFormat.CHAT),
    preference(DatasetFormat.PREFERENCE),
    completion(DatasetFormat.PROMPT_COMPLETION);

    final DatasetFormat format;

    FormatOption(DatasetFormat format) {
      this.format = format;
    }
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The JSONL file to check.")
  Path file;

  @Option(
      names = "--model",
      paramLabel = "NAME",
      description =
          "OpenAI model to count tokens, limits and cost for (e.g. gpt-4o-mini-2024-07-18),"
              + " or a local Hugging Face model directory (its tokenizer.json and context"
              + " length; no cost). Default: the cookbook's cl100k_base, 16,385-token cap.")
  String model;

  @Option(names = "--json", description = "Print one JSON document instead of text.")
  boolean json;

  @Option(
      names = "--format",
      paramLabel = "FORMAT",
      description = "Require this format: ${COMPLETION-CANDIDATES}. Default: detect it.")
  FormatOption format;

  @Option(
      names = "--max-tokens",
      paramLabel = "N",
      description =
          "Per-example token cap for truncation and billing (default: the model's training"
              + " context, else 16,385; the old cookbook used 4,096).")
  Integer maxTokens;

  @Option(
      names = "--prices",
      paramLabel = "FILE",
      description =
          "A JSON price table to use instead of the built-in one (same shape as"
              + " training-costs.json: currency, as_of, source, models[{model, aliases,"
              + " usd_per_1m_training_tokens}]).")
  Path prices;

  @Override
  public Integer call() {
    CommandLine cl = spec.commandLine();
    if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
      throw new CommandLine.ParameterException(
          cl, "No readable file at '" + file + "': check the path.");
    }
    if (maxTokens != null && maxTokens < 1) {
      throw new CommandLine.ParameterException(
          cl, "--max-tokens must be a positive number of tokens, got " + maxTokens + ".");
    }
    TrainingCostTable priceTable = priceTable(cl);
    Target target = resolveTarget(cl, model);
    int cap = maxTokens != null ? maxTokens : target.limit().maxTokens();

    ValidationOptions options =
        ValidationOptions.defaults()
            .withMaxIssuesPerCode(OCCURRENCES_PER_CODE)
            .withExpectedFormat(format == null ? null : format.format);
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    ExecutorService pool =
        Executors.newFixedThreadPool(threads, Thread.ofPlatform().daemon().factory());
    ValidationReport report;
    DatasetStatistics statistics;
    try {
      TokenStatistics collector =
          TokenStatistics.parallel(new TokenCounter(target.tokenizer()), cap, pool, threads);
      report = new DatasetValidator(options).validate(file, collector);
      statistics = collector.finish();
    } catch (IOException e) {
      cl.getErr().println("lathe validate: cannot read " + file + ": " + e.getMessage());
      cl.getErr().flush();
      return 2;
    } finally {
      pool.shutdownNow();
      if (target.tokenizer() instanceof AutoCloseable closeable) {
        closeQuietly(closeable);
      }
    }
    String limitSource = limitSource(target);
    DatasetEstimate estimate =
        target.local()
            ? DatasetEstimate.forLocal(model, target.description(), limitSource, statistics)
            : DatasetEstimate.forOpenAi(
                model, target.description(), limitSource, statistics, priceTable);

    PrintWriter out = cl.getOut();
    String name = file.toString();
    if (json) {
      out.println(ValidationReportJson.render(name, report, estimate));
      out.flush();
    } else {
      ValidationReportPrinter.print(name, report, estimate, OCCURRENCES_PER_CODE, out);
    }
    return report.hasErrors() ? 1 : 0;
  }

  private TrainingCostTable priceTable(CommandLine cl) {
    if (prices == null) {
      return TrainingCostTable.builtIn();
    }
    try {
      return TrainingCostTable.load(prices);
    } catch (IOException | RuntimeException e) {
      throw new CommandLine.ParameterException(
          cl, "Cannot read the price table '" + prices + "': " + e.getMessage());
    }
  }

  /** The tokenizer, limit and pricing that {@code --model} selects. */
  record Target(
      TextTokenizer tokenizer,
      TrainingTokenLimits.Limit limit,
      String description,
      boolean local) {}

  /** The tokenizer and limits of {@code model}: an OpenAI name, a local directory, or null. */
  static Target resolveTarget(CommandLine cl, String model) {
    if (model == null) {
      return new Target(
          OpenAiTokenizer.of(OpenAiEncoding.CL100K_BASE),
          new TrainingTokenLimits.Limit("", TrainingTokenLimits.COOKBOOK_DEFAULT, false),
          OpenAiEncoding.CL100K_BASE.encodingName(),
          false);
    }
    Path local = Path.of(model);
    if (Files.exists(local)) {
      try {
        if (TrainingBase.isGguf(local)) {
          return new Target(
              TrainingBase.tokenizer(local),
              new TrainingTokenLimits.Limit(model, TrainingBase.shape(local).contextLength(), true),
              "embedded tokenizer of " + model,
              true);
        }
        HfTokenizer tokenizer = HfTokenizer.load(local);
        return new Target(
            tokenizer,
            TrainingTokenLimits.forLocalModel(local),
            "Hugging Face tokenizer of " + model,
            true);
      } catch (IOException | RuntimeException e) {
        throw new CommandLine.ParameterException(
            cl,
            "Cannot load a local model's tokenizer from '"
                + model
                + "': "
                + e.getMessage()
                + " (pass a Hugging Face model directory with tokenizer.json, a .gguf file, or an"
                + " OpenAI model name).");
      }
    }
    try {
      OpenAiTokenizer tokenizer = OpenAiTokenizer.forModel(model);
      return new Target(
          tokenizer,
          TrainingTokenLimits.forModel(model),
          tokenizer.encoding().encodingName(),
          false);
    } catch (IllegalArgumentException unknown) {
      throw new CommandLine.ParameterException(
          cl,
          unknown.getMessage()
              + " A local model is named by its directory (holding tokenizer.json).");
    }
  }

  private String limitSource(Target target) {
    if (maxTokens != null) {
      return "--max-tokens";
    }
    if (model == null) {
      return "the cookbook's default cap";
    }
    if (target.local()) {
      return target.limit().published()
          ? "the local model's context length in config.json"
          : "no context length in the local model's config.json: the cookbook's default cap";
    }
    return target.limit().published()
        ? "OpenAI's published training context of " + model.toLowerCase(Locale.ROOT)
        : "no published limit for " + model + ": the cookbook's default cap";
  }

  static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception ignored) {
      // Only native memory is released here; nothing to report.
    }
  }
}
