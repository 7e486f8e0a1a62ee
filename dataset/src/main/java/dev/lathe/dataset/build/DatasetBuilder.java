package dev.lathe.dataset.build;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.ValidationOptions;
import dev.lathe.dataset.ValidationReport;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a fine-tuning dataset from a stream of examples: drops exact and near duplicates and
 * examples over a token budget, splits into training and validation by seeded group hashes,
 * validates each output with {@link DatasetValidator}, and only then renames the temporary files
 * into place. On validation errors, or any failure, nothing is written and the temporaries are
 * removed.
 *
 * <p>Memory does not grow with the input's size, except for what deduplication keeps per kept
 * example (see {@link Deduplicator}) and the {@code count} hashes of a split by count. Examples are
 * streamed to a temporary file beside the output (plus 8 bytes of group hash each when splitting),
 * which a second pass routes to the two sides.
 */
public final class DatasetBuilder {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int DROPPED_SHOWN = 5;

  private DatasetBuilder() {}

  /** Builds {@code options.train()} (and the validation file) from {@code examples}. */
  public static BuildReport build(ExampleStream examples, BuildOptions options) throws IOException {
    SplitPlan split =
        options.validRatio() != null
            ? SplitPlan.byRatio(options.validRatio(), options.seed())
            : options.validCount() != null
                ? SplitPlan.byCount(options.validCount(), options.seed())
                : null;
    Deduplicator dedupe = options.dedupe() ? new Deduplicator(options.nearThreshold()) : null;
    List<Path> temporaries = new ArrayList<>();
    try {
      Path all = temporary(options.train(), temporaries);
      Path hashes = split == null ? null : temporary(options.train(), temporaries);
      Path origins = temporary(options.train(), temporaries);
      Counts counts = new Counts();
      try (Writer out = Files.newBufferedWriter(all, StandardCharsets.UTF_8);
          Writer from = Files.newBufferedWriter(origins, StandardCharsets.UTF_8);
          DataOutputStream groups =
              hashes == null
                  ? null
                  : new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(hashes)))) {
        examples.forEach(
            (example, group, origin) -> {
              if (!origin.equals(counts.lastOrigin)) {
                counts.records++;
                counts.lastOrigin = origin;
              }
              counts.examples++;
              if (dedupe != null) {
                Deduplicator.Verdict verdict = dedupe.check(example);
                if (verdict != Deduplicator.Verdict.KEPT) {
                  boolean exact = verdict == Deduplicator.Verdict.EXACT_DUPLICATE;
                  if (exact) {
                    counts.exact++;
                  } else {
                    counts.near++;
                  }
                  counts.drop(origin + ": " + (exact ? "exact" : "near") + " duplicate");
                  return;
                }
              }
              if (options.counter() != null) {
                long tokens = options.counter().count(null, example).tokens();
                if (tokens > options.maxTokens()) {
                  counts.overBudget++;
                  counts.drop(
                      origin
                          + ": "
                          + tokens
                          + " tokens, over the budget of "
                          + options.maxTokens());
                  return;
                }
              }
              try {
                out.write(JSON.writeValueAsString(example));
                out.write('\n');
                from.write(origin.replace('\n', ' '));
                from.write('\n');
                if (groups != null) {
                  long hash = split.hash(group);
                  split.observe(hash);
                  groups.writeLong(hash);
                }
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              counts.kept++;
            });
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      if (counts.kept == 0) {
        throw new DatasetBuildException(
            counts.examples == 0
                ? "The inputs gave no example: check the paths and the template."
                : "Every example was dropped ("
                    + counts.exact
                    + " exact duplicates, "
                    + counts.near
                    + " near duplicates, "
                    + counts.overBudget
                    + " over the token budget).");
      }
      Path train = all;
      Path valid = null;
      long validExamples = 0;
      if (split != null) {
        train = temporary(options.train(), temporaries);
        valid = temporary(options.validation(), temporaries);
        validExamples = route(all, hashes, split, train, valid);
        if (validExamples == 0 || validExamples == counts.kept) {
          throw new DatasetBuildException(
              "The split left the "
                  + (validExamples == 0 ? "validation" : "training")
                  + " side empty ("
                  + counts.kept
                  + " examples); "
                  + (validExamples == 0
                      ? "raise --valid-ratio or use --valid-count."
                      : "lower --valid-count or --valid-ratio, or add records."));
        }
      }
      ValidationReport trainReport =
          new DatasetValidator(options.validationOptions()).validate(train);
      ValidationReport validReport =
          valid == null ? null : new DatasetValidator(relaxed(options)).validate(valid);
      boolean ok = !trainReport.hasErrors() && (validReport == null || !validReport.hasErrors());
      Map<Long, String> trainOrigins = Map.of();
      Map<Long, String> validOrigins = Map.of();
      if (ok) {
        if (valid != null) {
          move(valid, options.validation());
        }
        move(train, options.train());
      } else {
        trainOrigins = OutputOrigins.of(trainReport, origins, hashes, split, false);
        if (validReport != null) {
          validOrigins = OutputOrigins.of(validReport, origins, hashes, split, true);
        }
      }
      return new BuildReport(
          counts.records,
          counts.examples,
          counts.exact,
          counts.near,
          counts.overBudget,
          counts.kept - validExamples,
          validExamples,
          trainReport,
          validReport,
          counts.dropped,
          trainOrigins,
          validOrigins,
          ok);
    } finally {
      for (Path path : temporaries) {
        Files.deleteIfExists(path);
      }
    }
  }

  /** The validation side may be small: OpenAI's 10-example minimum is for training files. */
  private static ValidationOptions relaxed(BuildOptions options) {
    ValidationOptions o = options.validationOptions();
    return new ValidationOptions(
        o.expectedFormat(), o.maxIssuesPerCode(), 0, 0, o.maxLineBytes(), o.maxTrackedDuplicates());
  }

  private static long route(Path all, Path hashes, SplitPlan split, Path train, Path valid)
      throws IOException {
    long validExamples = 0;
    try (BufferedReader in = Files.newBufferedReader(all, StandardCharsets.UTF_8);
        DataInputStream groups =
            new DataInputStream(new BufferedInputStream(Files.newInputStream(hashes)));
        BufferedWriter trainOut = Files.newBufferedWriter(train, StandardCharsets.UTF_8);
        BufferedWriter validOut = Files.newBufferedWriter(valid, StandardCharsets.UTF_8)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        boolean toValid = split.validation(groups.readLong());
        BufferedWriter out = toValid ? validOut : trainOut;
        out.write(line);
        out.write('\n');
        if (toValid) {
          validExamples++;
        }
      }
    }
    return validExamples;
  }

  private static Path temporary(Path target, List<Path> temporaries) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path path = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
    temporaries.add(path);
    return path;
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static final class Counts {
    long records;
    long examples;
    long exact;
    long near;
    long overBudget;
    long kept;
    String lastOrigin;
    final List<String> dropped = new ArrayList<>();

    void drop(String why) {
      if (dropped.size() < DROPPED_SHOWN) {
        dropped.add(why);
      }
    }
  }
}
