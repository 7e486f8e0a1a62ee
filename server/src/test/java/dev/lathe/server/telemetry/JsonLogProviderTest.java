package dev.lathe.server.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/**
 * The JSON log format: each event is one line holding one JSON object with the time, level, logger,
 * message (arguments filled in), the logging context's ids and a failure's trace; levels follow the
 * plain format's {@code simplelogger.properties} keys.
 */
class JsonLogProviderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final Properties levels = new Properties();

  private JsonLogProvider provider() {
    levels.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
    levels.setProperty("org.slf4j.simpleLogger.log.io.javalin", "warn");
    return new JsonLogProvider(
        new PrintStream(bytes, true, StandardCharsets.UTF_8),
        InstantSource.fixed(Instant.parse("2026-12-06T10:15:30.123Z")),
        levels);
  }

  private List<JsonNode> lines() throws Exception {
    List<JsonNode> out = new java.util.ArrayList<>();
    for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n")) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  @Test
  void eachEventIsOneJsonObjectPerLineWithTheContextIds() throws Exception {
    JsonLogProvider provider = provider();
    Logger log = provider.getLoggerFactory().getLogger("dev.lathe.server.Example");
    provider.getMDCAdapter().put("request_id", "req_abc");
    log.info("job {} took {} steps", "ftjob-1", 6);
    provider.getMDCAdapter().remove("request_id");
    provider.getMDCAdapter().put("job_id", "ftjob-2");
    log.warn("a \"quoted\"\nmessage", new IllegalStateException("disk full"));
    provider.getMDCAdapter().clear();

    List<JsonNode> lines = lines();
    assertThat(lines).hasSize(2);
    JsonNode first = lines.get(0);
    assertThat(first.path("timestamp").asText()).isEqualTo("2026-12-06T10:15:30.123Z");
    assertThat(first.path("level").asText()).isEqualTo("INFO");
    assertThat(first.path("logger").asText()).isEqualTo("dev.lathe.server.Example");
    assertThat(first.path("message").asText()).isEqualTo("job ftjob-1 took 6 steps");
    assertThat(first.path("request_id").asText()).isEqualTo("req_abc");
    assertThat(first.has("job_id")).isFalse();
    assertThat(first.has("error")).isFalse();
    assertThat(first.path("thread").asText()).isEqualTo(Thread.currentThread().getName());

    JsonNode second = lines.get(1);
    assertThat(second.path("level").asText()).isEqualTo("WARN");
    assertThat(second.path("message").asText()).isEqualTo("a \"quoted\"\nmessage");
    assertThat(second.path("job_id").asText()).isEqualTo("ftjob-2");
    assertThat(second.has("request_id")).isFalse();
    assertThat(second.path("error").asText())
        .isEqualTo("java.lang.IllegalStateException: disk full");
    assertThat(second.path("stack").asText())
        .contains("at dev.lathe.server.telemetry.JsonLogProviderTest");
  }

  @Test
  void levelsFollowTheNearestConfiguredLoggerName() throws Exception {
    JsonLogProvider provider = provider();
    Logger javalin = provider.getLoggerFactory().getLogger("io.javalin.Javalin");
    Logger lathe = provider.getLoggerFactory().getLogger("dev.lathe.Other");
    javalin.info("hidden");
    lathe.debug("hidden too");
    javalin.warn("shown");
    lathe.info("shown too");

    assertThat(lines())
        .extracting(l -> l.path("message").asText())
        .containsExactly("shown", "shown too");
    assertThat(javalin.isInfoEnabled()).isFalse();
    assertThat(lathe.isDebugEnabled()).isFalse();
  }
}
