package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.inference.HubSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The liveness and readiness probes and {@code /metrics}' key setting on a real server: ready while
 * the database and the data directory work, 503 naming the check that failed when the database pool
 * is gone or the data directory is, while liveness and the metrics still answer.
 */
class HealthEndpointsTest {
  private static final String KEY = "sk-health-project-0001";
  private static final String ADMIN = "sk-health-admin-0002";
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @TempDir Path dir;
  private LatheServer server;
  private int port;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private Services open(ServerConfig.Telemetry telemetry) throws Exception {
    Services services = services(telemetry);
    server = LatheServer.start(services);
    port = server.port();
    return services;
  }

  private Services services(ServerConfig.Telemetry telemetry) throws Exception {
    ServerConfig config =
        new ServerConfig(
            "127.0.0.1",
            0,
            dir.resolve("data"),
            null,
            ServerConfig.DEFAULT_UPLOAD_LIMIT,
            List.of(
                new ServerConfig.ApiKey(KEY, "proj_h", false),
                new ServerConfig.ApiKey(ADMIN, "proj_admin", true)),
            Map.of(),
            Map.of(),
            0,
            ServerConfig.DEFAULT_LORA_RANK,
            telemetry,
            StorageConfig.LOCAL,
            ServerConfig.JobDefaults.NONE);
    return Services.open(
        config,
        new HubSettings(HubSettings.DEFAULT_ENDPOINT, Optional.empty(), dir.resolve("hub"), true));
  }

  private record Answer(int status, String body) {
    JsonNode json() throws Exception {
      return LatheHttp.JSON.readTree(body);
    }
  }

  private Answer get(String path, String key) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    HttpResponse<String> r = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }

  @Test
  void probesAnswerWithoutAKeyAndReadinessListsItsChecks() throws Exception {
    open(ServerConfig.Telemetry.DEFAULTS);
    Answer live = get("/health/live", null);
    assertThat(live.status()).isEqualTo(200);
    assertThat(live.json().path("status").asText()).isEqualTo("live");

    Answer ready = get("/health/ready", null);
    assertThat(ready.status()).isEqualTo(200);
    JsonNode body = ready.json();
    assertThat(body.path("status").asText()).isEqualTo("ready");
    assertThat(body.path("checks").path("database").path("ok").asBoolean()).isTrue();
    assertThat(body.path("checks").path("data_dir").path("ok").asBoolean()).isTrue();
    assertThat(body.has("message")).isFalse();
    assertThat(get("/metrics", null).status()).as("open by default").isEqualTo(200);
    try (var files = Files.list(dir.resolve("data"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("the write probe leaves nothing behind")
          .noneMatch(n -> n.startsWith(".ready-"));
    }
  }

  @Test
  void readinessFailsNamingTheDatabaseWhenItCannotBeReached() throws Exception {
    Services services = open(ServerConfig.Telemetry.DEFAULTS);
    services.db().close();

    Answer ready = get("/health/ready", null);
    assertThat(ready.status()).isEqualTo(503);
    JsonNode body = ready.json();
    assertThat(body.path("status").asText()).isEqualTo("not_ready");
    assertThat(body.path("checks").path("database").path("ok").asBoolean()).isFalse();
    assertThat(body.path("checks").path("database").path("error").asText())
        .startsWith("cannot reach the database: ")
        .contains("closed");
    assertThat(body.path("checks").path("data_dir").path("ok").asBoolean()).isTrue();
    assertThat(body.path("message").asText()).startsWith("Not ready: database: cannot reach");

    assertThat(get("/health/live", null).status()).isEqualTo(200);
    Scrape metrics = Scrape.parse(get("/metrics", null).body());
    assertThat(metrics.all("lathe_jobs_queue_depth"))
        .as("a scrape still answers, the store's gauges at their last values")
        .singleElement();
  }

  @Test
  void readinessFailsNamingTheDataDirectoryWhenItIsGone() throws Exception {
    open(ServerConfig.Telemetry.DEFAULTS);
    Files.move(dir.resolve("data"), dir.resolve("moved-away"));

    Answer ready = get("/health/ready", null);
    assertThat(ready.status()).isEqualTo(503);
    JsonNode check = ready.json().path("checks").path("data_dir");
    assertThat(check.path("ok").asBoolean()).isFalse();
    assertThat(check.path("error").asText())
        .isEqualTo("the data directory " + dir.resolve("data") + " does not exist");
  }

  @Test
  void aWorkerProcessServesItsOwnTelemetryOnItsOwnPort() throws Exception {
    try (Services services = services(ServerConfig.Telemetry.DEFAULTS);
        TelemetryServer telemetry = TelemetryServer.start(services, 0)) {
      port = telemetry.port();
      assertThat(get("/health/live", null).status()).isEqualTo(200);
      assertThat(get("/health/ready", null).status()).isEqualTo(200);
      Scrape metrics = Scrape.parse(get("/metrics", null).body());
      assertThat(metrics.all("lathe_jobs_queue_depth")).singleElement();
      assertThat(metrics.all("lathe_training_step_seconds_count")).singleElement();
      Answer api = get("/v1/models", ADMIN);
      assertThat(api.status()).as("no API on the telemetry port").isEqualTo(404);
      assertThat(api.json().path("error").path("message").asText()).contains("/v1/models");
    }
  }

  @Test
  void metricsCanRequireAnAdminKey() throws Exception {
    open(new ServerConfig.Telemetry(true, "text", 0));
    Answer none = get("/metrics", null);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.json().path("error").path("message").asText())
        .contains("You didn't provide an API key");
    Answer project = get("/metrics", KEY);
    assertThat(project.status()).isEqualTo(403);
    assertThat(project.json().path("error").path("code").asText()).isEqualTo("admin_key_required");
    Answer admin = get("/metrics", ADMIN);
    assertThat(admin.status()).isEqualTo(200);
    assertThat(Scrape.parse(admin.body()).all("lathe_models_loaded")).singleElement();
    assertThat(get("/health/ready", null).status()).as("probes stay open").isEqualTo(200);
  }
}
