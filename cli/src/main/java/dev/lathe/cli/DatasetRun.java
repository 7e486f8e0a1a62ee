package dev.lathe.cli;

import dev.lathe.dataset.TokenCounter;
import dev.lathe.dataset.ValidationReportPrinter;
import dev.lathe.dataset.build.BuildOptions;
import dev.lathe.dataset.build.BuildReport;
import dev.lathe.dataset.build.DatasetBuildException;
import dev.lathe.dataset.build.DatasetBuilder;
import dev.lathe.dataset.build.ExampleStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;

/** Runs {@link DatasetBuilder} for the {@code lathe dataset} commands and prints its report. */
final class DatasetRun {

  private DatasetRun() {}

  /** A token budget's counter for {@code model} (null: none); refuses a budget without a model. */
  static TokenCounter counter(CommandLine cl, String model, Integer maxTokens) {
    if (maxTokens == null) {
      return null;
    }
    if (maxTokens < 1) {
      throw new CommandLine.ParameterException(
          cl, "--max-tokens must be a positive number of tokens, got " + maxTokens + ".");
    }
    return new TokenCounter(ValidateCommand.resolveTarget(cl, model).tokenizer());
  }

  private static void origins(PrintWriter out, Map<Long, String> origins) {
    if (!origins.isEmpty()) {
      out.println("The lines above come from:");
      origins.forEach((line, origin) -> out.println("  line " + line + ": " + origin));
    }
  }

  /** Builds, prints the summary, and returns the exit status (0 written, 1 not written). */
  static int run(CommandLine cl, String command, ExampleStream examples, BuildOptions options) {
    PrintWriter out = cl.getOut();
    PrintWriter err = cl.getErr();
    BuildReport report;
    try {
      report = DatasetBuilder.build(examples, options);
    } catch (DatasetBuildException e) {
      err.println("lathe dataset " + command + ": " + e.getMessage());
      err.println("Nothing was written.");
      err.flush();
      return 1;
    } catch (IOException e) {
      err.println("lathe dataset " + command + ": cannot read or write: " + e.getMessage());
      err.println("Nothing was written.");
      err.flush();
      return 1;
    } finally {
      if (options.counter() != null
          && options.counter().tokenizer() instanceof AutoCloseable closeable) {
        ValidateCommand.closeQuietly(closeable);
      }
    }
    out.println("Records read: " + report.records() + "; examples: " + report.examples());
    out.println(
        "Dropped: "
            + report.exactDuplicates()
            + " exact duplicates, "
            + report.nearDuplicates()
            + " near duplicates, "
            + report.overBudget()
            + " over the token budget");
    for (String dropped : report.dropped()) {
      out.println("  " + dropped);
    }
    if (!report.written()) {
      ValidationReportPrinter.print(options.train().toString(), report.trainReport(), null, 5, out);
      origins(out, report.trainOrigins());
      if (report.validationReport() != null) {
        ValidationReportPrinter.print(
            options.validation().toString(), report.validationReport(), null, 5, out);
        origins(out, report.validationOrigins());
      }
      out.println("Nothing was written: the output would not pass validation.");
      out.flush();
      return 1;
    }
    out.println("Wrote " + report.trainExamples() + " examples to " + options.train());
    if (options.validation() != null) {
      out.println("Wrote " + report.validationExamples() + " examples to " + options.validation());
    }
    out.println(
        "Validated: "
            + report.trainReport().warnings()
            + " warning(s)"
            + (report.validationReport() == null
                ? ""
                : ", validation file " + report.validationReport().warnings() + " warning(s)")
            + "; lathe validate FILE shows them with token statistics.");
    out.flush();
    return 0;
  }
}
