package dev.lathe.dataset;

import static dev.lathe.dataset.IssueCode.BLANK_LINE;
import static dev.lathe.dataset.IssueCode.BYTE_ORDER_MARK;
import static dev.lathe.dataset.IssueCode.CRLF_LINE_ENDINGS;
import static dev.lathe.dataset.IssueCode.DATA_TYPE;
import static dev.lathe.dataset.IssueCode.DUPLICATE_EXAMPLE;
import static dev.lathe.dataset.IssueCode.FEW_EXAMPLES;
import static dev.lathe.dataset.IssueCode.FORMAT_MISMATCH;
import static dev.lathe.dataset.IssueCode.INVALID_JSON;
import static dev.lathe.dataset.IssueCode.INVALID_N_EXAMPLES;
import static dev.lathe.dataset.IssueCode.INVALID_UTF8;
import static dev.lathe.dataset.IssueCode.LINE_TOO_LONG;
import static dev.lathe.dataset.IssueCode.MISSING_SYSTEM_MESSAGE;
import static dev.lathe.dataset.IssueCode.MISSING_USER_MESSAGE;
import static dev.lathe.dataset.IssueCode.MIXED_FORMATS;
import static dev.lathe.dataset.IssueCode.PRETTY_PRINTED_JSON;
import static dev.lathe.dataset.IssueCode.UNKNOWN_FORMAT;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import java.util.List;

/**
 * The state of one validation pass: receives the lines of a file, checks each, and builds the
 * report at the end. Lines go through: pretty-printing detection, blank, UTF-8, JSON syntax,
 * object, format, the format's checks, duplicates, then the listeners.
 */
final class ValidationRun implements JsonlLineReader.Sink {
  private final ValidationOptions options;
  private final ObjectReader json;
  private final List<ExampleListener> listeners;
  private final IssueCollector collector;
  private final LineIssues issues;
  private final DuplicateTracker duplicates;
  private final LineSample withoutSystem = new LineSample();
  private final LineSample withoutUser = new LineSample();

  private DatasetFormat format;
  private long formatLine;
  private long examples;
  private long validExamples;
  private long withSystem;
  private long crlfLines;
  private long firstCrlfLine;

  // A line that opened a JSON value without closing it: a pretty-printed value, or a truncated
  // line.
  private long openLine; // 0: none
  private boolean openConfirmed; // the next line continued it: pretty-printed
  private byte openChar;
  private int openDepth;
  private long openLastLine;
  private boolean openAlone; // the line was only "{" or "[": surely a multi-line value
  private String openMessage;
  private Integer openColumn;

  ValidationRun(ValidationOptions options, ObjectReader json, List<ExampleListener> listeners) {
    this.options = options;
    this.json = json;
    this.listeners = listeners;
    this.collector = new IssueCollector(options.maxIssuesPerCode());
    this.issues = new LineIssues(collector);
    this.duplicates = new DuplicateTracker(options.maxTrackedDuplicates());
  }

  @Override
  public void line(byte[] b, int off, int len, long line, boolean crlf) {
    line(b, off, len, line, crlf, null);
  }

  /**
   * Checks a line whose JSON parse may already be done ({@code parsed}, or null to parse it here);
   * the outcome is the same either way.
   */
  void line(byte[] b, int off, int len, long line, boolean crlf, ParsedLine parsed) {
    if (crlf && crlfLines++ == 0) {
      firstCrlfLine = line;
    }
    int first = JsonSyntax.firstNonSpace(b, off, len);
    if (openLine != 0 && continuesOpenValue(b, off, len, first, line)) {
      return;
    }
    issues.start(line);
    if (first < 0) {
      issues.report(
          BLANK_LINE,
          null,
          "The line is blank; remove it (blank lines are skipped, not examples).");
      return;
    }
    examples++;
    int bad = Utf8.firstInvalid(b, off, len);
    if (bad >= 0) {
      issues.report(
          INVALID_UTF8,
          null,
          bad + 1,
          String.format(
              "Byte 0x%02X at column %d is not valid UTF-8; save the file as UTF-8 (not Latin-1"
                  + " or Windows-1252).",
              b[off + bad] & 0xFF, bad + 1));
      return;
    }
    ParsedLine result = parsed != null ? parsed : ParsedLine.parse(json, b, off, len);
    JsonNode node = result.node();
    if (result.error() instanceof JsonProcessingException e) {
      int depth = JsonSyntax.netDepth(b, off, len);
      if (JsonSyntax.endedEarly(e) && (b[first] == '{' || b[first] == '[') && depth > 0) {
        openLine = openLastLine = line;
        openConfirmed = false;
        openChar = b[first];
        openDepth = depth;
        openAlone = JsonSyntax.endOfContent(b, off, len) - first == 1;
        openMessage = JsonSyntax.explain(e);
        openColumn = JsonSyntax.column(e);
        return; // decided by the next line
      }
      issues.report(INVALID_JSON, null, JsonSyntax.column(e), explain(e, b, first, off, len));
      return;
    } else if (result.error() != null) {
      issues.report(
          INVALID_JSON, null, "The line could not be read as JSON: " + result.error().getMessage());
      return;
    }
    if (node == null || !node.isObject()) {
      issues.report(DATA_TYPE, null, notAnObject(node));
      return;
    }
    checkExample(node, b, first, JsonSyntax.endOfContent(b, off, len) - first, line);
  }

  private void checkExample(JsonNode node, byte[] b, int from, int len, long line) {
    DatasetFormat lineFormat = FormatDetection.detect(node);
    if (lineFormat == null) {
      issues.report(UNKNOWN_FORMAT, null, FormatDetection.unknownFormat(node));
    } else if (format == null) {
      format = lineFormat;
      formatLine = line;
    } else if (lineFormat != format) {
      issues.report(
          MIXED_FORMATS,
          null,
          "This example is in the "
              + FormatDetection.fileFormatName(lineFormat)
              + " format but the file's first example (line "
              + formatLine
              + ") is in the "
              + FormatDetection.fileFormatName(format)
              + " format; a file must hold one format only.");
    }
    if (lineFormat != null && lineFormat == format) {
      int roles =
          switch (lineFormat) {
            case CHAT -> ChatChecks.check(node, "", true, issues);
            case PREFERENCE -> PreferenceChecks.check(node, issues);
            case PROMPT_COMPLETION -> {
              PromptCompletionChecks.check(node, issues);
              yield -1;
            }
          };
      if (roles >= 0) { // -1: legacy format, or the roles are unknown because of an error
        if ((roles & ChatChecks.HAS_SYSTEM) != 0) {
          withSystem++;
        } else {
          withoutSystem.add(line);
        }
        if ((roles & ChatChecks.HAS_USER) == 0) {
          withoutUser.add(line);
        }
      }
    }
    long earlier = duplicates.firstSeen(b, from, len, line);
    if (earlier != 0) {
      issues.report(
          DUPLICATE_EXAMPLE,
          null,
          "This example repeats line "
              + earlier
              + " exactly; remove the copy unless you mean to weight that example twice.");
    }
    boolean valid = !issues.hasErrors();
    if (valid) {
      validExamples++;
    }
    DatasetFormat reported = format != null ? format : lineFormat;
    for (ExampleListener listener : listeners) {
      listener.onExample(line, reported, node, valid);
    }
  }

  /**
   * Handles a line while an earlier line's JSON value is open; returns true when the line was part
   * of it (and is consumed), false when it must be checked as a line of its own.
   */
  private boolean continuesOpenValue(byte[] b, int off, int len, int first, long line) {
    if (first < 0) {
      return true; // blank lines inside a pretty-printed value
    }
    boolean standalone = first == off && b[first] == '{' && JsonSyntax.netDepth(b, off, len) == 0;
    if (standalone) { // an unindented one-line object: the open value has ended
      closeOpenValue(false);
      return false;
    }
    openConfirmed = true;
    openLastLine = line;
    openDepth += JsonSyntax.netDepth(b, off, len);
    if (openDepth <= 0) {
      closeOpenValue(true);
    }
    return true;
  }

  /** Jackson's explanation, or a better one for the lines of a JSON array written line by line. */
  private static String explain(JsonProcessingException e, byte[] b, int first, int off, int len) {
    int end = JsonSyntax.endOfContent(b, off, len);
    if (end - first == 1 && (b[first] == ']' || b[first] == '}')) {
      return "A lone '"
          + (char) b[first]
          + "' closes a JSON value begun on an earlier line: the file looks like a JSON array or"
          + " pretty-printed JSON. Write each example as one JSON object on its own line.";
    }
    if (b[first] == '{' && b[end - 1] == ',') {
      return "The line is a JSON object followed by a comma: the file looks like a JSON array"
          + " written one element per line. Remove the commas after the objects and the [ and ]"
          + " lines; in JSONL only line breaks separate the examples.";
    }
    return JsonSyntax.explain(e);
  }

  /** Reports the open value: pretty-printed over several lines, or a single truncated line. */
  private void closeOpenValue(boolean closed) {
    if (!openConfirmed && openAlone) {
      collector.add(
          PRETTY_PRINTED_JSON,
          openLine,
          null,
          "The line holds only '"
              + (char) openChar
              + "': the file looks like "
              + (openChar == '[' ? "a JSON array" : "pretty-printed JSON")
              + ", not JSONL. JSONL needs one JSON object per line"
              + (openChar == '['
                  ? ": remove the [ and ] lines and the commas after the objects."
                  : ": write each example compactly on a single line."));
    } else if (!openConfirmed) {
      collector.add(INVALID_JSON, openLine, openColumn, null, openMessage);
    } else {
      String what =
          openChar == '[' ? "a JSON array spread over lines " : "a JSON object spread over lines ";
      String fix =
          openChar == '['
              ? " JSONL needs one JSON object per line, not a JSON array: write each element on"
                  + " its own line (e.g. jq -c '.[]' data.json > data.jsonl)."
              : " JSONL needs exactly one JSON object per line: write each example compactly"
                  + " on a single line (e.g. jq -c . data.json > data.jsonl, or json.dumps per"
                  + " example).";
      collector.add(
          PRETTY_PRINTED_JSON,
          openLine,
          null,
          "The file looks like pretty-printed JSON: this line starts "
              + what
              + openLine
              + "-"
              + openLastLine
              + (closed ? "." : " that is never closed.")
              + fix);
    }
    openLine = 0;
  }

  private static String notAnObject(JsonNode node) {
    String kind = LineIssues.kind(node);
    if (node != null && node.isArray()) {
      return "The line is a JSON array, not an object; the file looks like a JSON array. Each"
          + " line must be one example object: write each element on its own line (e.g. jq -c"
          + " '.[]').";
    }
    return "The line is " + kind + ", not a JSON object; each line must be one example object.";
  }

  @Override
  public void lineTooLong(long line, long length) {
    examples++;
    collector.add(
        LINE_TOO_LONG,
        line,
        null,
        "The line has "
            + length
            + " bytes, more than the limit of "
            + options.maxLineBytes()
            + "; split the example or check that the file has line breaks between examples.");
  }

  /** Ends the pass: whole-file checks, then the report. */
  ValidationReport finish(boolean byteOrderMark, long lines, long bytes) {
    if (openLine != 0) {
      closeOpenValue(false);
    }
    DatasetFormat expected = options.expectedFormat();
    if (format != null && expected != null && expected != format) {
      collector.add( // about the file, not this line: its examples may be fine in their format
          FORMAT_MISMATCH,
          0,
          null,
          FormatDetection.mismatch(format, expected)
              + " (The format was detected from line "
              + formatLine
              + ".)");
    }
    if (byteOrderMark) {
      collector.add(
          BYTE_ORDER_MARK,
          1,
          1,
          null,
          "The file starts with a UTF-8 byte-order mark (EF BB BF); it is skipped, but save the"
              + " file as UTF-8 without BOM so every tool reads it.");
    }
    if (crlfLines > 0) {
      collector.add(
          CRLF_LINE_ENDINGS,
          firstCrlfLine,
          null,
          crlfLines
              + " line(s) end with CR LF (Windows line endings), the first here; they are"
              + " accepted, but save the file with LF endings (e.g. dos2unix).");
    }
    if (examples < options.minExamples()) {
      collector.add(
          INVALID_N_EXAMPLES,
          0,
          null,
          "Training file has "
              + examples
              + " example(s), but must have at least "
              + options.minExamples()
              + " examples. Add "
              + (options.minExamples() - examples)
              + " or more, one JSON object per line.");
    } else if (examples < options.recommendedExamples()) {
      collector.add(
          FEW_EXAMPLES,
          0,
          null,
          "The file has "
              + examples
              + " examples; OpenAI typically sees clear improvements from fine-tuning on 50 to 100"
              + " examples. Add more if results are weak.");
    }
    if (withSystem > 0 && withoutSystem.count() > 0) {
      collector.add(
          MISSING_SYSTEM_MESSAGE,
          withoutSystem.first(),
          null,
          withoutSystem.count()
              + " example(s) have no system message while "
              + withSystem
              + " have one (lines "
              + withoutSystem.describe()
              + "); use the same system message in every example, as at inference.");
    }
    if (withoutUser.count() > 0) {
      collector.add(
          MISSING_USER_MESSAGE,
          withoutUser.first(),
          null,
          withoutUser.count()
              + " example(s) have no user message (lines "
              + withoutUser.describe()
              + "); a fine-tuned chat model answers users, so show it the user's turn.");
    }
    return new ValidationReport(
        format,
        options.expectedFormat(),
        examples,
        validExamples,
        lines,
        bytes,
        collector.errors(),
        collector.warnings(),
        collector.summaries());
  }

  /** A count of lines and the first few of them, for whole-file warnings. */
  private static final class LineSample {
    private static final int KEEP = 10;
    private final long[] first = new long[KEEP];
    private long count;

    void add(long line) {
      if (count < KEEP) {
        first[(int) count] = line;
      }
      count++;
    }

    long count() {
      return count;
    }

    long first() {
      return first[0];
    }

    String describe() {
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < Math.min(count, KEEP); i++) {
        s.append(i == 0 ? "" : ", ").append(first[i]);
      }
      return count > KEEP ? s.append(", …").toString() : s.toString();
    }
  }
}
