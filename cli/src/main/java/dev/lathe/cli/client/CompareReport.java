package dev.lathe.cli.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Writes a comparison: two columns for a terminal, JSONL for scripts, or Markdown. */
final class CompareReport {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CompareReport() {}

  /** One prompt and each model's answer to it. */
  record Row(CompareCommand.Prompt prompt, List<CompareCommand.Answer> answers) {}

  static void write(String format, List<Row> rows, int columns, PrintWriter out) {
    switch (format) {
      case "jsonl" -> rows.forEach(r -> out.println(jsonl(r)));
      case "markdown" -> markdown(rows, out);
      default -> side(rows, columns, out);
    }
    out.flush();
  }

  private static String jsonl(Row r) {
    ObjectNode line = JSON.createObjectNode();
    ArrayNode messages = line.putArray("messages");
    r.prompt()
        .turns()
        .forEach(t -> messages.addObject().put("role", t.role()).put("content", t.content()));
    ArrayNode answers = line.putArray("answers");
    for (CompareCommand.Answer a : r.answers()) {
      answers
          .addObject()
          .put("model", a.model())
          .put("content", a.text())
          .put("finish_reason", a.finishReason())
          .put("prompt_tokens", a.promptTokens())
          .put("completion_tokens", a.completionTokens())
          .put("latency_ms", a.latencyMs());
    }
    return line.toString();
  }

  private static String stats(CompareCommand.Answer a) {
    return a.completionTokens() + " tokens, " + a.latencyMs() + " ms";
  }

  private static void markdown(List<Row> rows, PrintWriter out) {
    int n = 0;
    for (Row r : rows) {
      out.println("## Prompt " + ++n);
      out.println();
      out.println("> " + r.prompt().shown().replace("\n", "\n> "));
      out.println();
      out.println("| model | answer | tokens | latency |");
      out.println("| --- | --- | --- | --- |");
      for (CompareCommand.Answer a : r.answers()) {
        out.println(
            "| `"
                + a.model()
                + "` | "
                + a.text().strip().replace("|", "\\|").replace("\n", "<br>")
                + " | "
                + a.completionTokens()
                + " | "
                + a.latencyMs()
                + " ms |");
      }
      out.println();
    }
  }

  private static void side(List<Row> rows, int columns, PrintWriter out) {
    int column = Math.max(20, (columns - 3) / 2);
    int n = 0;
    for (Row r : rows) {
      out.println("=".repeat(column * 2 + 3));
      out.println("Prompt " + ++n + ": " + r.prompt().shown().replace('\n', ' '));
      CompareCommand.Answer a = r.answers().get(0);
      CompareCommand.Answer b = r.answers().get(1);
      List<String> left = new ArrayList<>(wrap(a.model() + " (" + stats(a) + ")", column));
      List<String> right = new ArrayList<>(wrap(b.model() + " (" + stats(b) + ")", column));
      int head = Math.max(left.size(), right.size());
      pad(left, head);
      pad(right, head);
      left.add("-".repeat(column));
      right.add("-".repeat(column));
      left.addAll(wrap(a.text().strip(), column));
      right.addAll(wrap(b.text().strip(), column));
      int lines = Math.max(left.size(), right.size());
      pad(left, lines);
      pad(right, lines);
      for (int i = 0; i < lines; i++) {
        String l = left.get(i);
        out.println(l + " ".repeat(column - l.length()) + " | " + right.get(i));
      }
    }
  }

  private static void pad(List<String> lines, int size) {
    while (lines.size() < size) {
      lines.add("");
    }
  }

  /** Words wrapped to {@code width} characters; longer words are cut. */
  static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    for (String paragraph : text.split("\n", -1)) {
      StringBuilder line = new StringBuilder();
      for (String word : paragraph.split(" ")) {
        while (word.length() > width) {
          if (!line.isEmpty()) {
            lines.add(line.toString());
            line.setLength(0);
          }
          lines.add(word.substring(0, width));
          word = word.substring(width);
        }
        if (line.length() + (line.isEmpty() ? 0 : 1) + word.length() > width) {
          lines.add(line.toString());
          line.setLength(0);
        }
        if (!line.isEmpty()) {
          line.append(' ');
        }
        line.append(word);
      }
      lines.add(line.toString());
    }
    return lines;
  }
}
