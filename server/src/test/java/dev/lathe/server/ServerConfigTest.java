package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
  @TempDir Path dir;

  @Test
  void defaultsRegisterTheSharedModelsAndRunKeylessOnLoopback() {
    Path models = SharedAssets.require("models");
    ServerConfig config = ServerConfig.defaults(models);
    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.keyless()).isTrue();
    assertThat(config.models())
        .containsEntry(
            "llama2c-stories260K",
            models.resolve("llama2c-stories260K/stories260K.bin").toAbsolutePath().toString())
        .containsEntry(
            "hf-TinyStories-656K",
            models.resolve("hf-TinyStories-656K").toAbsolutePath().toString());
    assertThat(ServerConfig.defaults(dir.resolve("absent")).models()).isEmpty();
  }

  @Test
  void readsAJsonFileOverTheBaseAndResolvesRelativeModelPaths() throws IOException {
    Files.createDirectories(dir.resolve("m/tiny"));
    Path file = dir.resolve("lathe.json");
    Files.writeString(
        file,
        """
        {"host": "0.0.0.0", "port": 9000, "data_dir": "d",
         "api_keys": [{"key": "sk-abcdefgh", "project": "p1", "admin": true}],
         "models": {"tiny": "m/tiny", "qwen": "Qwen/Qwen2.5-0.5B-Instruct"},
         "aliases": {"gpt-4o-mini-2024-07-18": "tiny"}}
        """);
    ServerConfig config = ServerConfig.read(file, ServerConfig.defaults(null));
    assertThat(config.host()).isEqualTo("0.0.0.0");
    assertThat(config.port()).isEqualTo(9000);
    assertThat(config.dataDir()).isEqualTo(dir.resolve("d"));
    assertThat(config.models())
        .containsEntry("tiny", dir.resolve("m/tiny").toString())
        .containsEntry("qwen", "Qwen/Qwen2.5-0.5B-Instruct");
    assertThat(config.apiKeys().get(0).toString()).doesNotContain("sk-abcdefgh");
    assertThat(config.uploadLimitBytes()).isEqualTo(ServerConfig.DEFAULT_UPLOAD_LIMIT);
  }

  @Test
  void fineTuningWorkersAndLoraRankComeFromTheFileWithDefaults() throws IOException {
    assertThat(ServerConfig.defaults(null).workers()).isEqualTo(1);
    assertThat(ServerConfig.defaults(null).loraRank()).isEqualTo(16);
    Path file = dir.resolve("workers.json");
    Files.writeString(file, "{\"workers\": 0, \"lora_rank\": 0}");
    ServerConfig config = ServerConfig.read(file, ServerConfig.defaults(null));
    assertThat(config.workers()).isZero();
    assertThat(config.loraRank()).isZero();
    assertThat(config.withWorkers(3).workers()).isEqualTo(3);
    Files.writeString(file, "{\"workers\": -1}");
    assertThatThrownBy(() -> ServerConfig.read(file, ServerConfig.defaults(null)))
        .hasMessageContaining("workers.json")
        .hasMessageContaining("workers is -1; it must be 0-64");
    assertThatThrownBy(() -> ServerConfig.defaults(null).withLoraRank(-2))
        .hasMessageContaining("0 for full fine-tuning");
  }

  @Test
  void telemetrySettingsComeFromTheFileWithDefaults() throws IOException {
    assertThat(ServerConfig.defaults(null).telemetry()).isEqualTo(ServerConfig.Telemetry.DEFAULTS);
    assertThat(ServerConfig.Telemetry.DEFAULTS.jsonLogs()).isFalse();
    Path file = dir.resolve("telemetry.json");
    Files.writeString(
        file, "{\"telemetry\": {\"metrics_key_required\": true, \"log_format\": \"json\"}}");
    ServerConfig config = ServerConfig.read(file, ServerConfig.defaults(null));
    assertThat(config.telemetry()).isEqualTo(new ServerConfig.Telemetry(true, "json", 0));
    assertThat(config.telemetry().jsonLogs()).isTrue();
    assertThat(config.withPort(1).telemetry()).isEqualTo(config.telemetry());

    Files.writeString(file, "{\"telemetry\": {\"log_format\": \"xml\"}}");
    assertThatThrownBy(() -> ServerConfig.read(file, ServerConfig.defaults(null)))
        .hasMessageContaining("telemetry.json")
        .hasMessageContaining("telemetry.log_format is 'xml'; use \"text\" or \"json\"");
    Files.writeString(file, "{\"telemetry\": {\"metrics_port\": 70000}}");
    assertThatThrownBy(() -> ServerConfig.read(file, ServerConfig.defaults(null)))
        .hasMessageContaining("telemetry.metrics_port is 70000; it must be 0-65535");
    Files.writeString(file, "{\"telemetry\": {\"metrics_auth\": true}}");
    assertThatThrownBy(() -> ServerConfig.read(file, ServerConfig.defaults(null)))
        .hasMessageContaining("metrics_auth");
  }

  @Test
  void theEarlyStoppingPatienceOfJobsThatGiveNoneComesFromJobDefaults() throws IOException {
    assertThat(ServerConfig.defaults(null).jobDefaults().earlyStoppingPatience()).isZero();
    Path file = dir.resolve("defaults.json");
    Files.writeString(file, "{\"job_defaults\": {\"early_stopping_patience\": 3}}");
    ServerConfig config = ServerConfig.read(file, ServerConfig.defaults(null));
    assertThat(config.jobDefaults().earlyStoppingPatience()).isEqualTo(3);
    assertThat(config.withPort(9).withWorkers(2).jobDefaults()).isEqualTo(config.jobDefaults());
    Files.writeString(file, "{\"job_defaults\": {\"early_stopping_patience\": 101}}");
    assertThatThrownBy(() -> ServerConfig.read(file, ServerConfig.defaults(null)))
        .hasMessageContaining("defaults.json")
        .hasMessageContaining(
            "job_defaults.early_stopping_patience is 101; it must be 0 (never stop early) to 100");
    Files.writeString(file, "{\"job_defaults\": {\"patience\": 2}}");
    assertThatThrownBy(() -> ServerConfig.read(file, ServerConfig.defaults(null)))
        .hasMessageContaining("defaults.json")
        .hasMessageContaining("\"patience\"");
  }

  @Test
  void rejectsUnsafeOrInconsistentSettingsWithTheReason() throws IOException {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, "{\"prot\": 1}");
    assertThatThrownBy(() -> ServerConfig.read(file, ServerConfig.defaults(null)))
        .hasMessageContaining("bad.json")
        .hasMessageContaining("prot");
    assertThatThrownBy(() -> config("0.0.0.0", List.of(), Map.of("a", "/x"), Map.of()))
        .hasMessageContaining("key-less mode only binds to loopback");
    assertThatThrownBy(() -> config("127.0.0.1", List.of(), Map.of("a", "/x"), Map.of("b", "c")))
        .hasMessageContaining("alias 'b' names 'c'");
    assertThatThrownBy(() -> config("127.0.0.1", List.of(), Map.of("ft:x", "/x"), Map.of()))
        .hasMessageContaining("must be non-empty, not start with 'ft:'");
    assertThatThrownBy(() -> new ServerConfig.ApiKey("short", "p", false))
        .hasMessageContaining("at least 8");
    assertThatThrownBy(() -> new ServerConfig.ApiKey("sk-abcdefgh", "bad project", false))
        .hasMessageContaining("project");
  }

  private ServerConfig config(
      String host,
      List<ServerConfig.ApiKey> keys,
      Map<String, String> models,
      Map<String, String> aliases) {
    return new ServerConfig(
        host, 0, dir, null, ServerConfig.DEFAULT_UPLOAD_LIMIT, keys, models, aliases);
  }
}
