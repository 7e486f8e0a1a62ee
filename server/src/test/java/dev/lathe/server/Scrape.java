package dev.lathe.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One scrape of a server's {@code /metrics}, parsed from Prometheus' text format: every sample with
 * its name, labels and value (comment lines skipped).
 */
record Scrape(List<Sample> samples) {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Pattern LINE =
      Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)(?: \\d+)?");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

  /** One sample line. */
  record Sample(String name, Map<String, String> labels, double value) {}

  /** Scrapes {@code http://127.0.0.1:port/metrics} (with {@code key} as Bearer when not null). */
  static Scrape of(int port, String key) throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).GET();
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    HttpResponse<String> r =
        HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    if (r.statusCode() != 200) {
      throw new AssertionError("/metrics answered " + r.statusCode() + ": " + r.body());
    }
    if (!r.headers().firstValue("content-type").orElse("").startsWith("text/plain")) {
      throw new AssertionError("/metrics content type " + r.headers().firstValue("content-type"));
    }
    return parse(r.body());
  }

  /**
   * Scrapes until {@code settled} holds (at most ten seconds), since a request's timing is recorded
   * just after its response went out; returns the last scrape either way.
   */
  static Scrape awaiting(int port, String key, Predicate<Scrape> settled)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    Scrape scrape = of(port, key);
    while (!settled.test(scrape) && System.nanoTime() < deadline) {
      Thread.sleep(50);
      scrape = of(port, key);
    }
    return scrape;
  }

  static Scrape parse(String text) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        throw new AssertionError("not a Prometheus sample line: " + line);
      }
      Map<String, String> labels = new LinkedHashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
    }
    return new Scrape(samples);
  }

  /** The samples named {@code name} whose labels include every pair of {@code labels}. */
  List<Sample> all(String name, String... labels) {
    List<Sample> found = new ArrayList<>();
    for (Sample s : samples) {
      boolean matches = s.name().equals(name);
      for (int i = 0; matches && i < labels.length; i += 2) {
        matches = labels[i + 1].equals(s.labels().get(labels[i]));
      }
      if (matches) {
        found.add(s);
      }
    }
    return found;
  }

  /** The sum of those samples' values; 0 when there are none (a counter not yet moved). */
  double value(String name, String... labels) {
    return all(name, labels).stream().mapToDouble(Sample::value).sum();
  }
}
