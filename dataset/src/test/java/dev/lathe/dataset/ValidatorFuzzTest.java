package dev.lathe.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Corrupts valid files at random (seeded): flipped bytes, truncation, deleted, duplicated and
 * swapped lines, inserted junk, and values of a line's JSON dropped or replaced by another type.
 * Validation must never throw, must give the same report however the bytes arrive, and the report's
 * numbers must agree with each other.
 */
class ValidatorFuzzTest {
  private static final long SEED = 20261122L;
  private static final int CASES = 500;

  private static final byte[][] JUNK = {
    "\n".getBytes(StandardCharsets.UTF_8),
    "\r\n".getBytes(StandardCharsets.UTF_8),
    "{".getBytes(StandardCharsets.UTF_8),
    "[".getBytes(StandardCharsets.UTF_8),
    "}".getBytes(StandardCharsets.UTF_8),
    "\"".getBytes(StandardCharsets.UTF_8),
    "\\".getBytes(StandardCharsets.UTF_8),
    "null".getBytes(StandardCharsets.UTF_8),
    "{\"messages\": [".getBytes(StandardCharsets.UTF_8),
    "\"role\": 7,".getBytes(StandardCharsets.UTF_8),
    "\"weight\": 2".getBytes(StandardCharsets.UTF_8),
    "\"tool_calls\": [{}]".getBytes(StandardCharsets.UTF_8),
    {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
    {(byte) 0xFF, (byte) 0xC3},
    {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
  };

  private static List<byte[]> bases() throws Exception {
    List<byte[]> bases = new ArrayList<>();
    for (String name :
        List.of(
            "good/api-superset.jsonl",
            "bad/pretty-printed-json.jsonl",
            "bad/few-examples.jsonl",
            "bad/tool-message-unknown-id.jsonl",
            "bad/legacy-preference-keys.jsonl",
            "bad/prompt-not-string.jsonl",
            "bad/mixed-formats.jsonl")) {
      bases.add(Files.readAllBytes(BadFilesTest.resource(name)));
    }
    return bases;
  }

  @Test
  void corruptedFilesAlwaysGiveAConsistentReport() throws Exception {
    Random random = new Random(SEED);
    List<byte[]> bases = bases();
    for (int n = 0; n < CASES; n++) {
      byte[] data = bases.get(random.nextInt(bases.size()));
      int mutations = 1 + random.nextInt(4);
      StringBuilder how = new StringBuilder();
      for (int m = 0; m < mutations; m++) {
        data = mutate(data, random, how);
      }
      ValidationOptions options =
          new ValidationOptions(
              random.nextBoolean() ? null : DatasetFormat.values()[random.nextInt(3)],
              1 + random.nextInt(5),
              random.nextInt(12),
              12,
              1024 + random.nextInt(2048),
              random.nextInt(4));
      DatasetValidator validator = new DatasetValidator(options, 1);
      String what = "case " + n + " (" + how + ")";
      List<Long> listened = new ArrayList<>();

      ValidationReport whole =
          validator.validate(new ByteArrayInputStream(data), (l, f, node, v) -> listened.add(l));
      ValidationReport chunked =
          validator.validate(new ChunkedInputStream(data, new Random(n), 1 + random.nextInt(64)));
      // parallel parsing, lines grouped in chunks of a few bytes up to a few lines
      DatasetValidator parallel = new DatasetValidator(options, 2, 1 + new Random(n).nextInt(700));
      List<Long> listenedInParallel = new ArrayList<>();
      ValidationReport inParallel =
          parallel.validate(
              new ChunkedInputStream(data, new Random(-n), 1 + new Random(n).nextInt(64)),
              (l, f, node, v) -> listenedInParallel.add(l));

      assertThat(chunked).as(what).isEqualTo(whole);
      assertThat(inParallel).as(what + " in parallel").isEqualTo(whole);
      assertThat(listenedInParallel).as(what + " in parallel").isEqualTo(listened);
      assertConsistent(whole, data.length, options, listened, what);
    }
  }

  private static void assertConsistent(
      ValidationReport r, long size, ValidationOptions options, List<Long> listened, String what) {
    assertThat(r.bytes()).as(what).isEqualTo(size);
    assertThat(r.validExamples()).as(what).isBetween(0L, r.examples());
    assertThat(r.examples()).as(what).isLessThanOrEqualTo(r.lines());
    assertThat(listened.size()).as(what).isLessThanOrEqualTo((int) r.examples());
    assertThat(listened).as(what).isSorted();
    long errors = 0;
    long warnings = 0;
    for (CodeSummary c : r.codes()) {
      assertThat(c.first())
          .as(what)
          .isNotEmpty()
          .hasSizeLessThanOrEqualTo(options.maxIssuesPerCode());
      if (c.severity() == Severity.ERROR) {
        errors += c.count();
      } else {
        warnings += c.count();
      }
      for (Issue i : c.first()) {
        assertThat(i.line()).as(what).isBetween(0L, r.lines());
        assertThat(i.message()).as(what).isNotBlank();
      }
    }
    assertThat(errors).as(what).isEqualTo(r.errors());
    assertThat(warnings).as(what).isEqualTo(r.warnings());
    assertThat(r.hasErrors()).as(what).isEqualTo(r.errors() > 0);
    if (r.examples() < options.minExamples()) {
      assertThat(r.count(IssueCode.INVALID_N_EXAMPLES)).as(what).isEqualTo(1);
    }
  }

  private static byte[] mutate(byte[] data, Random random, StringBuilder how) {
    List<byte[]> lines = splitLines(data);
    switch (random.nextInt(8)) {
      case 0 -> { // flip bytes
        byte[] copy = data.clone();
        int flips = 1 + random.nextInt(8);
        for (int i = 0; i < flips && copy.length > 0; i++) {
          copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
        }
        how.append("flip ");
        return copy;
      }
      case 1 -> { // truncate
        how.append("truncate ");
        return Arrays.copyOf(data, data.length == 0 ? 0 : random.nextInt(data.length));
      }
      case 2 -> { // delete a line
        if (!lines.isEmpty()) {
          lines.remove(random.nextInt(lines.size()));
        }
        how.append("delete ");
      }
      case 3 -> { // duplicate a line
        if (!lines.isEmpty()) {
          int i = random.nextInt(lines.size());
          lines.add(random.nextInt(lines.size() + 1), lines.get(i));
        }
        how.append("duplicate ");
      }
      case 4 -> { // swap two lines
        if (lines.size() > 1) {
          Collections.swap(lines, random.nextInt(lines.size()), random.nextInt(lines.size()));
        }
        how.append("swap ");
      }
      case 5, 6 -> { // change the JSON of a line: drop a key or element, or retype a value
        if (!lines.isEmpty()) {
          int i = random.nextInt(lines.size());
          lines.set(i, mutateJson(lines.get(i), random));
        }
        how.append("json ");
      }
      default -> { // insert junk at a random byte
        byte[] junk = JUNK[random.nextInt(JUNK.length)];
        int at = data.length == 0 ? 0 : random.nextInt(data.length + 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(data, 0, at);
        out.writeBytes(junk);
        out.write(data, at, data.length - at);
        how.append("junk ");
        return out.toByteArray();
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] line : lines) {
      out.writeBytes(line);
      out.write('\n');
    }
    return out.toByteArray();
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String[] VALUES = {
    "null",
    "0",
    "2",
    "1.5",
    "\"\"",
    "\"x\"",
    "true",
    "[]",
    "{}",
    "[{}]",
    "[null]",
    "{\"type\": \"x\"}",
    "{\"role\": \"assistant\"}",
    "[{\"role\": \"tool\", \"tool_call_id\": \"call_1\", \"content\": \"r\"}]"
  };

  /** Drops or replaces one randomly chosen value inside the line's JSON (unchanged if invalid). */
  private static byte[] mutateJson(byte[] line, Random random) {
    JsonNode root;
    try {
      root = MAPPER.readTree(line);
    } catch (Exception e) {
      return line;
    }
    if (root == null || !root.isContainerNode()) {
      return line;
    }
    List<JsonNode> containers = new ArrayList<>();
    collect(root, containers);
    JsonNode target = containers.get(random.nextInt(containers.size()));
    JsonNode value;
    try {
      value = MAPPER.readTree(VALUES[random.nextInt(VALUES.length)]);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    boolean drop = random.nextInt(3) == 0;
    if (target instanceof ObjectNode object && !object.isEmpty()) {
      List<String> names = new ArrayList<>();
      object.fieldNames().forEachRemaining(names::add);
      String name = names.get(random.nextInt(names.size()));
      if (drop) {
        object.remove(name);
      } else {
        object.set(name, value);
      }
    } else if (target instanceof ArrayNode array && !array.isEmpty()) {
      int i = random.nextInt(array.size());
      if (drop) {
        array.remove(i);
      } else {
        array.set(i, value);
      }
    }
    return root.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void collect(JsonNode node, List<JsonNode> out) {
    if (node.isContainerNode()) {
      out.add(node);
      node.forEach(child -> collect(child, out));
    }
  }

  private static List<byte[]> splitLines(byte[] data) {
    List<byte[]> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < data.length; i++) {
      if (data[i] == '\n') {
        lines.add(Arrays.copyOfRange(data, start, i));
        start = i + 1;
      }
    }
    if (start < data.length) {
      lines.add(Arrays.copyOfRange(data, start, data.length));
    }
    return lines;
  }
}
