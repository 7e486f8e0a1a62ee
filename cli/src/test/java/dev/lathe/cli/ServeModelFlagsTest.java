package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lathe serve --model NAME=SOURCE --alias NAME=MODEL}: merged with the config file's models
 * and aliases, the flags winning; a bad alias is refused before anything starts.
 */
class ServeModelFlagsTest {
  @TempDir Path dir;

  @Test
  void flagsMergeWithTheConfigFileAndWin() throws Exception {
    Path config = dir.resolve("lathe.json");
    Files.writeString(
        config,
        """
        {"models": {"a": "/models/a", "b": "/models/b"}, "aliases": {"c": "a", "e": "b"}}
        """);
    ServerConfig file = ServerConfig.read(config, ServerConfig.defaults(dir.resolve("none")));
    ServerConfig merged =
        ServeCommand.withModels(
            file, Map.of("a", "/elsewhere/a", "c", "/models/c"), Map.of("d", "b", "e", "a"));
    assertThat(merged.models())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("a", "/elsewhere/a", "b", "/models/b", "c", "/models/c"));
    assertThat(merged.aliases()).containsExactlyInAnyOrderEntriesOf(Map.of("d", "b", "e", "a"));
    assertThat(ServeCommand.withModels(file, Map.of(), Map.of())).isSameAs(file);
  }

  @Test
  void anAliasOfNoServedModelIsRefusedBeforeStarting() {
    LatheRun run =
        LatheRun.of(
            "serve",
            "--port",
            "0",
            "--data-dir",
            dir.resolve("data").toString(),
            "--model",
            "mine=" + dir.resolve("my-model"),
            "--alias",
            "gpt-4o-mini-2024-07-18=nope");
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err())
        .contains("alias 'gpt-4o-mini-2024-07-18' names 'nope', which is not a configured model");
  }
}
