package dev.lathe.dataset.build;

import dev.lathe.tokenizer.TextTemplate;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

/** Test resources and one-call builds for the dataset builder's tests. */
final class BuildFixtures {

  static final Map<String, String> PLACE_SELECTORS =
      Map.of(
          "place", "h1",
          "thai", ".thai-name",
          "kind", ".place-type",
          "address", ".address",
          "description", ".description");

  private BuildFixtures() {}

  static Path resource(String name) {
    try {
      return Path.of(BuildFixtures.class.getResource("/build/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  static ExampleTemplate template(String name, String source) {
    Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    return new ExampleTemplate(TextTemplate.of(name, source, clock));
  }

  static ExampleTemplate templateFile(String resource) throws IOException {
    return template(resource, Files.readString(resource(resource), StandardCharsets.UTF_8));
  }

  static BuildReport build(
      List<Path> inputs,
      Map<String, String> selectors,
      ExampleTemplate template,
      String groupBy,
      BuildOptions options)
      throws IOException {
    return DatasetBuilder.build(
        ExampleStream.of(RecordSource.of(inputs, selectors), template, groupBy), options);
  }
}
