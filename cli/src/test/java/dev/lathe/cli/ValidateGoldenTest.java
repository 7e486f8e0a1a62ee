package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden reports: for every file under the shared {@code datasets/} directory, {@code lathe
 * validate --json FILE} must print exactly the document stored in {@code
 * src/test/resources/golden/<path with '/' as '__'>.json}, apart from the volatile {@code file}
 * field (the absolute path), which is replaced by the path relative to {@code datasets/}.
 *
 * <p>To regenerate after an intended change, run
 *
 * <pre>
 * mvn -o -pl cli -am test -Dtest=ValidateGoldenTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dlathe.golden.update=true
 * </pre>
 *
 * then read the diff of {@code cli/src/test/resources/golden/} by eye before committing it.
 */
class ValidateGoldenTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path GOLDEN = Path.of("src", "test", "resources", "golden");
  private static final boolean UPDATE = Boolean.getBoolean("lathe.golden.update");

  @TestFactory
  Stream<DynamicTest> everySharedDatasetMatchesItsGoldenReport() throws IOException {
    Path datasets = SharedAssets.require("datasets");
    List<Path> files;
    try (Stream<Path> walk = Files.walk(datasets)) {
      files = walk.filter(Files::isRegularFile).sorted().toList();
    }
    assertThat(files).isNotEmpty();
    return files.stream()
        .map(
            file -> {
              String relative = datasets.relativize(file).toString().replace('\\', '/');
              return DynamicTest.dynamicTest(relative, () -> check(file, relative));
            });
  }

  private static void check(Path file, String relative) throws IOException {
    ValidateCommandTest.Run run = ValidateCommandTest.lathe("validate", "--json", file.toString());
    assertThat(run.exit()).as(run.err()).isIn(0, 1);
    JsonNode actual = JSON.readTree(run.out());
    ((ObjectNode) actual).put("file", relative);
    assertThat(actual.get("valid").asBoolean()).isEqualTo(run.exit() == 0);
    Path golden = GOLDEN.resolve(relative.replace("/", "__") + ".json");
    String rendered = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(actual) + "\n";
    if (UPDATE) {
      Files.createDirectories(GOLDEN);
      Files.writeString(golden, rendered, StandardCharsets.UTF_8);
      return;
    }
    assertThat(golden)
        .as("golden report missing; regenerate with -Dlathe.golden.update=true")
        .exists();
    JsonNode expected = JSON.readTree(Files.readString(golden, StandardCharsets.UTF_8));
    assertThat(rendered)
        .as(relative)
        .isEqualTo(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(expected) + "\n");
  }
}
