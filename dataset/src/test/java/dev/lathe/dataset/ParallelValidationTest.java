package dev.lathe.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.SharedAssets;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Parsing on worker threads gives exactly the report and listener calls of the sequential pass. */
class ParallelValidationTest {
  private static final int[] CHUNKS = {1, 97, 4096, 1 << 20};

  static Stream<Path> files() throws Exception {
    List<Path> files = new ArrayList<>();
    for (String dir : List.of("bad", "good")) {
      try (Stream<Path> s = Files.list(BadFilesTest.resource(dir))) {
        s.sorted().forEach(files::add);
      }
    }
    Path shared = SharedAssets.require("datasets");
    try (Stream<Path> s = Files.walk(shared)) {
      s.filter(p -> p.toString().endsWith(".jsonl")).sorted().forEach(files::add);
    }
    return files.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("files")
  void sameReportAsSequential(Path file) throws Exception {
    ValidationOptions options = ValidationOptions.defaults().withMaxLineBytes(4096);
    List<String> calls = new ArrayList<>();
    ValidationReport sequential =
        new DatasetValidator(options, 1)
            .validate(file, (l, f, node, v) -> calls.add(l + " " + f + " " + v + " " + node));
    for (int threads : new int[] {2, 3}) {
      for (int chunk : CHUNKS) {
        List<String> parallelCalls = new ArrayList<>();
        ValidationReport parallel =
            new DatasetValidator(options, threads, chunk)
                .validate(
                    file, (l, f, node, v) -> parallelCalls.add(l + " " + f + " " + v + " " + node));
        String what = file.getFileName() + " threads=" + threads + " chunk=" + chunk;
        assertThat(parallel).as(what).isEqualTo(sequential);
        assertThat(parallelCalls).as(what).isEqualTo(calls);
      }
    }
  }

  @Test
  void generatedFileWithManyChunks() throws Exception {
    byte[] data = generated(new Random(7), 5000);
    ValidationOptions options =
        ValidationOptions.defaults().withMaxLineBytes(1024).withMaxIssuesPerCode(7);
    ValidationReport sequential = new DatasetValidator(options, 1).validate(input(data));
    for (int chunk : CHUNKS) {
      ValidationReport parallel = new DatasetValidator(options, 2, chunk).validate(input(data));
      assertThat(parallel).as("chunk " + chunk).isEqualTo(sequential);
    }
    assertThat(sequential.examples()).isGreaterThan(4000);
    assertThat(sequential.hasErrors()).isTrue(); // the generator's errors are seen
  }

  @Test
  void listenerFailureEndsTheParallelPass() {
    byte[] data = generated(new Random(3), 2000);
    DatasetValidator validator = new DatasetValidator(ValidationOptions.defaults(), 2, 512);
    assertThatThrownBy(
            () ->
                validator.validate(
                    input(data),
                    (l, f, node, v) -> {
                      if (l >= 900) {
                        throw new IllegalStateException("listener stops at line 900");
                      }
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("line 900");
  }

  @Test
  void rejectsAThreadCountBelowOne() {
    assertThatThrownBy(() -> new DatasetValidator(ValidationOptions.defaults(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("threads");
  }

  private static InputStream input(byte[] data) {
    return new ChunkedInputStream(data, new Random(data.length), 8192);
  }

  /**
   * Chat lines, with duplicates, blanks, bad JSON, pretty-printing and over-long lines mixed in.
   */
  private static byte[] generated(Random random, int lines) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < lines; i++) {
      String line =
          switch (random.nextInt(20)) {
            case 0 -> "";
            case 1 ->
                "{\"messages\": [{\"role\": \"user\", \"content\": \"dup\"}, {\"role\": \"assistant\", \"content\": \"same\"}]}";
            case 2 -> "{\"messages\": [{\"role\": \"user\", \"content\": \"cut";
            case 3 -> "{\n  \"messages\": []\n}";
            case 4 ->
                "{\"messages\": [{\"role\": \"user\", \"content\": \"" + "x".repeat(1500) + "\"}]}";
            case 5 -> "{\"prompt\": \"p" + i + "\", \"completion\": \"c\"}";
            case 6 -> "[1, 2]";
            case 7 -> "{\"messages\": [{\"role\": \"user\", \"content\": \"q" + i + "\"}]}\r";
            default ->
                "{\"messages\": [{\"role\": \"system\", \"content\": \"s\"}, {\"role\": \"user\","
                    + " \"content\": \"q"
                    + i
                    + "\"}, {\"role\": \"assistant\", \"content\": \"a"
                    + random.nextInt(1000)
                    + "\"}]}";
          };
      out.writeBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }
}
