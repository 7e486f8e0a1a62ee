package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * What grading one sample costs, per criterion type and text length (never run by the tests):
 * {@code bench/grading-cost.sh}. Each case grades pre-built (item, sample) pairs through the public
 * API ({@link Graders#parse}, {@link Grader#grade}); the texts are seeded random sentences over a
 * 2,000-word vocabulary, the sample a copy of the reference with a fifth of its words replaced. Per
 * case: a warm-up second, then {@code RUNS} timed windows of half a second; it prints the median
 * microseconds per grade, [min-max] over the windows.
 */
public final class GradingBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int RUNS = 5;

  private GradingBench() {}

  public static void main(String[] args) throws Exception {
    int[] lengths =
        args.length == 0
            ? new int[] {100, 2000}
            : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    String[] similarity = {"fuzzy_match", "bleu", "gleu", "rouge_1", "rouge_l"};
    System.out.printf("%-40s %8s %14s   %s%n", "criterion", "words", "us per grade", "[min-max]");
    for (int words : lengths) {
      List<GradingInput> inputs = inputs(words, 64, new Random(words));
      for (String metric : similarity) {
        run(
            "text_similarity " + metric,
            words,
            "{\"type\":\"text_similarity\",\"name\":\"n\",\"input\":\"{{sample.output_text}}\","
                + "\"reference\":\"{{item.reference}}\",\"evaluation_metric\":\""
                + metric
                + "\","
                + "\"pass_threshold\":0.5}",
            inputs);
      }
      measure(
          "anchor: fuzzy_match by the DP table",
          words,
          in -> {
            int[] a = in.sample().outputText().codePoints().toArray();
            int[] b = in.item().get("reference").asText().codePoints().toArray();
            return 2.0 * lcsByTable(a, b) / (a.length + b.length);
          },
          inputs);
      run(
          "string_check ilike",
          words,
          "{\"type\":\"string_check\",\"name\":\"n\",\"input\":\"{{sample.output_text}}\","
              + "\"reference\":\"{{item.needle}}\",\"operation\":\"ilike\"}",
          inputs);
    }
    List<GradingInput> json = jsonInputs(64, new Random(7));
    run(
        "json_schema (object of 3 typed fields)",
        0,
        "{\"type\":\"json_schema\",\"name\":\"n\",\"schema\":{\"type\":\"object\",\"properties\":"
            + "{\"city\":{\"type\":\"string\"},\"days\":{\"type\":\"integer\",\"minimum\":1},"
            + "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
            + "\"required\":[\"city\",\"days\"],\"additionalProperties\":false}}",
        json);
    run(
        "tool_call (name and arguments)",
        0,
        "{\"type\":\"tool_call\",\"name\":\"n\",\"function\":\"{{item.tool}}\","
            + "\"arguments\":\"{{item.arguments}}\"}",
        json);
  }

  private static void run(String label, int words, String criterion, List<GradingInput> inputs)
      throws Exception {
    Grader g = Graders.parse(JSON.readTree(criterion), "testing_criteria[0]");
    measure(
        label,
        words,
        in -> {
          GraderResult r = g.grade(in, null);
          if (r.errored()) {
            throw new IllegalStateException(r.error());
          }
          return r.score();
        },
        inputs);
  }

  /** Times {@code score} over {@code inputs} and prints the line. */
  private static void measure(
      String label, int words, ToDoubleFunction<GradingInput> score, List<GradingInput> inputs) {
    window(score, inputs, 1_000_000_000L);
    double[] us = new double[RUNS];
    for (int r = 0; r < RUNS; r++) {
      us[r] = window(score, inputs, 500_000_000L);
    }
    Arrays.sort(us);
    System.out.printf(
        "%-40s %8s %14.1f   [%.1f-%.1f]%n",
        label, words == 0 ? "-" : Integer.toString(words), us[RUNS / 2], us[0], us[RUNS - 1]);
  }

  /** Grades round-robin for about {@code nanos}; returns microseconds per grade. */
  private static double window(
      ToDoubleFunction<GradingInput> score, List<GradingInput> inputs, long nanos) {
    long start = System.nanoTime();
    long n = 0;
    double sink = 0;
    while (System.nanoTime() - start < nanos) {
      sink += score.applyAsDouble(inputs.get((int) (n % inputs.size())));
      n++;
    }
    if (sink < 0) {
      System.out.println(sink);
    }
    return (System.nanoTime() - start) / 1e3 / n;
  }

  /** The textbook O(|x| |y|) dynamic programme for the LCS, the anchor of the bit-parallel one. */
  private static int lcsByTable(int[] x, int[] y) {
    int[] prev = new int[y.length + 1];
    int[] cur = new int[y.length + 1];
    for (int i = 1; i <= x.length; i++) {
      for (int j = 1; j <= y.length; j++) {
        cur[j] = x[i - 1] == y[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[y.length];
  }

  private static List<GradingInput> inputs(int words, int count, Random random) {
    String[] vocabulary = new String[2000];
    for (int i = 0; i < vocabulary.length; i++) {
      vocabulary[i] = Integer.toString(i * 7919, 36);
    }
    List<GradingInput> out = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      String[] ref = new String[words];
      for (int i = 0; i < words; i++) {
        ref[i] = vocabulary[random.nextInt(vocabulary.length)] + (i % 12 == 11 ? "." : "");
      }
      String[] sample = ref.clone();
      for (int i = 0; i < words; i += 5) {
        sample[random.nextInt(Math.min(5, words - i)) + i] =
            vocabulary[random.nextInt(vocabulary.length)];
      }
      ObjectNode item = JSON.createObjectNode();
      item.put("reference", String.join(" ", ref));
      item.put("needle", ref[words / 2].toUpperCase(java.util.Locale.ROOT));
      out.add(new GradingInput(item, Sample.ofText(String.join(" ", sample))));
    }
    return out;
  }

  private static List<GradingInput> jsonInputs(int count, Random random) throws Exception {
    List<GradingInput> out = new ArrayList<>();
    for (int k = 0; k < count; k++) {
      String args =
          "{\"city\":\"City"
              + random.nextInt(100)
              + "\",\"days\":"
              + (1 + random.nextInt(9))
              + ",\"tags\":[\"a\",\"b\"]}";
      ObjectNode item = JSON.createObjectNode();
      item.put("tool", "get_weather");
      item.set("arguments", JSON.readTree(args));
      out.add(
          new GradingInput(
              item, new Sample(args, List.of(new ToolCall("get_weather", args)), null)));
    }
    return out;
  }
}
