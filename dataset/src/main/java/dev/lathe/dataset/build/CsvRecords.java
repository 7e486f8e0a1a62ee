package dev.lathe.dataset.build;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A CSV file (RFC 4180: comma-separated, {@code "} quotes, quoted cells may span lines) whose first
 * row names the columns; each further row is one record, its fields named by the header. A row with
 * fewer or more cells than the header is refused, naming the line and the missing column.
 */
final class CsvRecords {

  private static final CSVFormat FORMAT =
      CSVFormat.RFC4180
          .builder()
          .setHeader()
          .setSkipHeaderRecord(true)
          .setIgnoreEmptyLines(true)
          .get();

  private CsvRecords() {}

  static void read(Path file, Consumer<SourceRecord> sink) throws IOException {
    try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      reader.mark(1);
      if (reader.read() != '\uFEFF') {
        reader.reset();
      }
      CSVParser parser;
      try {
        parser = CSVParser.builder().setReader(reader).setFormat(FORMAT).get();
      } catch (IllegalArgumentException | UncheckedIOException e) {
        throw new DatasetBuildException(file + " line 1: unusable header row: " + e.getMessage());
      }
      List<String> columns = parser.getHeaderNames();
      if (columns.isEmpty()) {
        throw new DatasetBuildException(
            file
                + ": no header row; the first line must name the columns (e.g. element,limerick).");
      }
      long line = parser.getCurrentLineNumber();
      Iterator<CSVRecord> rows = parser.iterator();
      while (true) {
        CSVRecord row;
        try {
          if (!rows.hasNext()) {
            break;
          }
          row = rows.next();
        } catch (UncheckedIOException | IllegalStateException e) {
          throw new DatasetBuildException(
              file
                  + " after line "
                  + line
                  + ": not valid CSV ("
                  + e.getMessage()
                  + "); a value holding a comma, quote or line break must be in double quotes, its"
                  + " quotes doubled.",
              e);
        }
        long start = line + 1;
        line = parser.getCurrentLineNumber();
        String where = file + " line " + start;
        if (row.size() < columns.size()) {
          throw new DatasetBuildException(
              where
                  + ": no value for column '"
                  + columns.get(row.size())
                  + "' (the row has "
                  + row.size()
                  + " of "
                  + columns.size()
                  + " columns: "
                  + String.join(", ", columns)
                  + "); add the value, or an empty \"\" for none.");
        }
        if (row.size() > columns.size()) {
          throw new DatasetBuildException(
              where
                  + ": "
                  + row.size()
                  + " values but the header names "
                  + columns.size()
                  + " columns ("
                  + String.join(", ", columns)
                  + "); quote a value that contains a comma.");
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i < columns.size(); i++) {
          fields.put(columns.get(i), row.get(i));
        }
        sink.accept(new SourceRecord(where, fields));
      }
    }
  }
}
