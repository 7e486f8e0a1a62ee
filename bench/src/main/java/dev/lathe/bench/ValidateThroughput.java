package dev.lathe.bench;

import dev.lathe.dataset.DatasetStatistics;
import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.TokenCounter;
import dev.lathe.dataset.TokenStatistics;
import dev.lathe.dataset.TrainingTokenLimits;
import dev.lathe.dataset.ValidationOptions;
import dev.lathe.dataset.ValidationReport;
import dev.lathe.tokenizer.OpenAiEncoding;
import dev.lathe.tokenizer.OpenAiTokenizer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Whole-process throughput of {@code lathe validate}'s library path on one file: (a) validation
 * only, (b) validation plus token statistics with {@code ENCODING} (default cl100k_base, the
 * cookbook's; o200k_base is several times slower in jtokkit), parsing JSON and tokenizing on {@code
 * THREADS} worker threads each (default: the available processors; 1 parses on the main thread).
 * Prints one line per mode with MB/s (10^6 bytes per second of wall time, JVM start excluded) and
 * the process CPU time it took; run it under {@code /usr/bin/time -v} for peak RSS.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *     dev.lathe.bench.ValidateThroughput FILE [validate|stats|both] [THREADS] [ENCODING]
 * </pre>
 */
public final class ValidateThroughput {

  private ValidateThroughput() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length < 1) {
      System.err.println(
          "usage: ValidateThroughput FILE [validate|stats|both] [THREADS] [ENCODING]");
      System.exit(2);
    }
    Path file = Path.of(args[0]);
    String mode = args.length > 1 ? args[1] : "both";
    int threads =
        args.length > 2 ? Integer.parseInt(args[2]) : Runtime.getRuntime().availableProcessors();
    OpenAiEncoding encoding =
        OpenAiEncoding.byName(
            args.length > 3 ? args[3] : OpenAiEncoding.CL100K_BASE.encodingName());
    long size = Files.size(file);
    System.out.printf(Locale.ROOT, "file %s: %.1f MB%n", file, size / 1e6);
    if (mode.equals("validate") || mode.equals("both")) {
      long start = System.nanoTime();
      long cpu = processCpuNanos();
      ValidationReport report =
          new DatasetValidator(ValidationOptions.defaults(), threads).validate(file);
      report(
          "validate",
          size,
          start,
          cpu,
          "examples=" + report.examples() + " errors=" + report.errors());
    }
    if (mode.equals("stats") || mode.equals("both")) {
      TokenCounter counter = new TokenCounter(OpenAiTokenizer.of(encoding));
      counter.tokenizer().countTokens("load the rank table before timing");
      long start = System.nanoTime();
      long cpu = processCpuNanos();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        TokenStatistics stats =
            TokenStatistics.parallel(counter, TrainingTokenLimits.COOKBOOK_DEFAULT, pool, threads);
        ValidationReport report =
            new DatasetValidator(ValidationOptions.defaults(), threads).validate(file, stats);
        DatasetStatistics s = stats.finish();
        report(
            "validate+tokens",
            size,
            start,
            cpu,
            encoding.encodingName()
                + " threads="
                + threads
                + " examples="
                + s.examples()
                + " errors="
                + report.errors()
                + " tokens="
                + s.totalTokens()
                + " mean_tokens="
                + String.format(Locale.ROOT, "%.1f", s.tokensPerExample().mean())
                + " epochs="
                + s.estimate().epochs());
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static void report(
      String mode, long bytes, long startNanos, long startCpuNanos, String detail) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    double cpuSeconds = (processCpuNanos() - startCpuNanos) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "%s: %.1f MB/s (%.1f MB in %.2f s; %.2f CPU-s for the process = %.1f MB per CPU-s) %s%n",
        mode,
        bytes / 1e6 / seconds,
        bytes / 1e6,
        seconds,
        cpuSeconds,
        bytes / 1e6 / cpuSeconds,
        detail);
  }

  /**
   * CPU time of the whole process (all threads, JIT and GC included), which a busy shared machine
   * distorts less than wall time.
   */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
