package dev.lathe.dataset.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Records read one at a time from input files, handed to a consumer in order: nothing is held
 * beyond the current record (an HTML or text file is one record, read whole).
 */
public interface RecordSource {

  /** Reads every record into {@code sink}, in order. */
  void read(Consumer<SourceRecord> sink) throws IOException;

  /**
   * The records of {@code inputs}: files, and folders walked in name order. The kind follows the
   * extension: {@code .csv} (a header row, one record per row), {@code .jsonl} (one object per
   * line), {@code .html}/{@code .htm} (one page per record, see {@link HtmlPages}), {@code .txt}/
   * {@code .md} (one file per record). Files of other kinds inside a folder are skipped; named
   * directly they are refused.
   *
   * @param selectors HTML fields by name: a CSS selector each (e.g. {@code title=h1})
   */
  static RecordSource of(List<Path> inputs, Map<String, String> selectors) throws IOException {
    List<Path> files = new ArrayList<>();
    for (Path input : inputs) {
      if (Files.isDirectory(input)) {
        try (Stream<Path> walk = Files.walk(input)) {
          walk.filter(Files::isRegularFile)
              .filter(p -> kind(p) != null)
              .sorted()
              .forEach(files::add);
        }
      } else if (!Files.isRegularFile(input)) {
        throw new DatasetBuildException("No file or folder at '" + input + "': check the path.");
      } else if (kind(input) == null) {
        throw new DatasetBuildException(
            "'"
                + input
                + "' is not a source the builder reads: name a .csv, .jsonl, .html/.htm or"
                + " .txt/.md file, or a folder of them.");
      } else {
        files.add(input);
      }
    }
    HtmlPages html = new HtmlPages(selectors);
    return sink -> {
      for (Path file : files) {
        switch (kind(file)) {
          case "csv" -> CsvRecords.read(file, sink);
          case "jsonl" -> JsonlRecords.read(file, sink);
          case "html" -> sink.accept(html.read(file));
          default -> sink.accept(TextFiles.read(file));
        }
      }
    };
  }

  private static String kind(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".csv")) {
      return "csv";
    }
    if (name.endsWith(".jsonl")) {
      return "jsonl";
    }
    if (name.endsWith(".html") || name.endsWith(".htm")) {
      return "html";
    }
    if (name.endsWith(".txt") || name.endsWith(".md")) {
      return "text";
    }
    return null;
  }
}
