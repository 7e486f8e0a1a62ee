package dev.lathe.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * Writes a valid chat fine-tuning JSONL file of about a given size for throughput benchmarks,
 * deterministically from a seed: system prompts on most examples, one to five user/assistant turns,
 * {@code weight} 0/1 on some multi-turn examples, tool calls with their tool answers on a few, and
 * non-ASCII text (accents, CJK, emoji, escapes) on some lines.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar dev.lathe.bench.ChatDatasetGenerator OUT.jsonl SIZE_MB [SEED]
 * </pre>
 */
public final class ChatDatasetGenerator {

  private static final String[] WORDS = {
    "the",
    "model",
    "answer",
    "question",
    "data",
    "train",
    "token",
    "epoch",
    "loss",
    "value",
    "because",
    "however",
    "please",
    "explain",
    "why",
    "how",
    "what",
    "when",
    "customer",
    "order",
    "shipping",
    "refund",
    "invoice",
    "account",
    "password",
    "reset",
    "weather",
    "forecast",
    "temperature",
    "city",
    "France",
    "Paris",
    "capital",
    "river",
    "mountain",
    "history",
    "science",
    "energy",
    "protein",
    "molecule",
    "function",
    "variable",
    "compile",
    "runtime",
    "memory",
    "thread",
    "lock",
    "queue",
    "server",
    "client",
    "request",
    "response",
    "latency",
    "throughput",
    "is",
    "are",
    "was",
    "be",
    "to",
    "of",
    "and",
    "a",
    "in",
    "that",
    "it",
    "for",
    "on",
    "with",
    "as",
    "at",
    "by",
    "this",
    "from",
    "or",
    "an",
    "not",
    "but",
    "can",
    "will",
    "would",
    "should",
    "3",
    "42",
    "1999",
    "2024",
    "0.5",
    "100%",
    "$20",
    "e.g.",
    "i.e.",
    "(see",
    "above)",
    "—",
    "…"
  };

  private static final String[] UNICODE = {
    "café",
    "naïve",
    "Zürich",
    "señor",
    "東京",
    "北京市",
    "こんにちは",
    "안녕하세요",
    "Привет",
    "مرحبا",
    "🙂",
    "🚀",
    "👍🏽",
    "∑",
    "π≈3.14",
    "“quoted”",
    "tab\\there",
    "line\\nbreak",
    "back\\\\slash",
    "\\\"quote\\\""
  };

  private static final String[] SYSTEMS = {
    "You are a helpful assistant.",
    "Marv is a factual chatbot that is also sarcastic.",
    "You are a customer support agent for an online store. Answer briefly and politely.",
    "You translate corporate jargon into plain English.",
    "Answer math questions step by step and end with the final number."
  };

  private final SplittableRandom random;
  private final StringBuilder line = new StringBuilder(8192);

  /** A generator drawing from {@code seed}. */
  public ChatDatasetGenerator(long seed) {
    this.random = new SplittableRandom(seed);
  }

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      System.err.println("usage: ChatDatasetGenerator OUT.jsonl SIZE_MB [SEED]");
      System.exit(2);
    }
    Path out = Path.of(args[0]);
    long bytes = Long.parseLong(args[1]) * 1_000_000L;
    long seed = args.length > 2 ? Long.parseLong(args[2]) : 20261122L;
    long started = System.nanoTime();
    long[] written;
    try (OutputStream stream = new BufferedOutputStream(Files.newOutputStream(out), 1 << 20)) {
      written = new ChatDatasetGenerator(seed).write(stream, bytes);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf(
        "wrote %s: %d examples, %d bytes in %.1f s%n", out, written[0], written[1], seconds);
  }

  /** Writes examples until at least {@code targetBytes}; returns {examples, bytes}. */
  public long[] write(OutputStream out, long targetBytes) throws IOException {
    long examples = 0;
    long bytes = 0;
    while (bytes < targetBytes) {
      byte[] encoded = example().getBytes(StandardCharsets.UTF_8);
      out.write(encoded);
      bytes += encoded.length;
      examples++;
    }
    return new long[] {examples, bytes};
  }

  /** One example line, newline included. */
  String example() {
    line.setLength(0);
    line.append("{\"messages\": [");
    boolean first = true;
    if (random.nextInt(10) < 8) {
      message("system", SYSTEMS[random.nextInt(SYSTEMS.length)], -1);
      first = false;
    }
    boolean tools = random.nextInt(20) == 0;
    int turns = 1 + (random.nextInt(4) == 0 ? random.nextInt(5) : 0);
    boolean weighted = turns > 1 && random.nextInt(3) == 0;
    for (int t = 0; t < turns; t++) {
      if (!first) {
        line.append(", ");
      }
      first = false;
      message("user", text(5 + random.nextInt(50)), -1);
      line.append(", ");
      if (tools && t == turns - 1) {
        toolExchange(t);
      } else {
        int weight = weighted ? (t == turns - 1 ? 1 : random.nextInt(2)) : -1;
        message("assistant", text(10 + random.nextInt(random.nextInt(8) == 0 ? 600 : 150)), weight);
      }
    }
    line.append(']');
    if (tools) {
      line.append(
          ", \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\","
              + " \"description\": \"Current weather of a city\", \"parameters\": {\"type\":"
              + " \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\":"
              + " [\"city\"]}}}]");
    }
    line.append("}\n");
    return line.toString();
  }

  private void toolExchange(int turn) {
    String id = "call_" + turn + "_" + Integer.toHexString(random.nextInt());
    line.append("{\"role\": \"assistant\", \"tool_calls\": [{\"id\": \"")
        .append(id)
        .append("\", \"type\": \"function\", \"function\": {\"name\": \"get_weather\",")
        .append(" \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}}]}, ");
    line.append("{\"role\": \"tool\", \"tool_call_id\": \"")
        .append(id)
        .append("\", \"content\": \"{\\\"temp_c\\\": ")
        .append(random.nextInt(40))
        .append("}\"}, ");
    message("assistant", text(8 + random.nextInt(30)), -1);
  }

  /** Appends a message; {@code weight} -1 means no weight key. {@code content} is JSON-escaped. */
  private void message(String role, String content, int weight) {
    line.append("{\"role\": \"").append(role).append("\", \"content\": \"").append(content);
    line.append('"');
    if (weight >= 0) {
      line.append(", \"weight\": ").append(weight);
    }
    line.append('}');
  }

  /** {@code words} words, sometimes with non-ASCII or escaped characters; already JSON-safe. */
  private String text(int words) {
    StringBuilder s = new StringBuilder(words * 7);
    boolean unicode = random.nextInt(5) == 0;
    for (int i = 0; i < words; i++) {
      if (i > 0) {
        s.append(' ');
      }
      if (unicode && random.nextInt(6) == 0) {
        s.append(UNICODE[random.nextInt(UNICODE.length)]);
      } else {
        s.append(WORDS[random.nextInt(WORDS.length)]);
      }
    }
    s.append(random.nextInt(4) == 0 ? "?" : ".");
    return s.toString();
  }
}
