package dev.lathe.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.inference.HubSettings;
import dev.lathe.server.LatheServer;
import dev.lathe.server.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lathe eval}: grades one or more models (or a file's own samples) on a JSONL data file with
 * OpenAI-style testing criteria, in this process: it starts Lathe's API on a private loopback port
 * with one worker, creates the eval and one run per model through {@code /v1/evals}, waits for them
 * and prints each criterion's pass rate per model side by side ({@code --json} for scripts).
 */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = {
      "Evaluate models on a JSONL file ({\"item\": {...}} per line, with a \"sample\" to grade"
          + " without --model) against testing criteria (a JSON array of OpenAI graders:"
          + " string_check, text_similarity, score_model, label_model, ...), in-process.",
      "Each --model answers every item through --template (chat messages using {{item.x}});"
          + " prints each criterion's pass rate per model. Exit 0 when every run completed, 1"
          + " when one failed, 2 on a bad call."
    })
public final class EvalCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern CONTENT_INDEX = Pattern.compile("content\\[(\\d+)]");

  @Spec CommandSpec spec;

  @Option(
      names = "--criteria",
      required = true,
      description = "JSON file: the testing criteria (an array).")
  Path criteria;

  @Option(
      names = "--data",
      required = true,
      description = "JSONL file: one {\"item\": {...}} per line.")
  Path data;

  @Option(
      names = "--model",
      description =
          "A model to evaluate (repeatable): a served name, a model directory, a .bin or a .gguf"
              + " file, or an ft: model of --data-dir's server. Without one, each line's own"
              + " \"sample\" is graded.")
  List<String> models = new ArrayList<>();

  @Option(
      names = "--template",
      description =
          "JSON file: the chat messages each model answers, e.g. [{\"role\": \"user\", \"content\":"
              + " \"{{item.question}}\"}] (default: one user message of {{item.input}}).")
  Path template;

  @Option(names = "--item-schema", description = "JSON file: a JSON Schema each item must match.")
  Path itemSchema;

  @Option(names = "--max-tokens", description = "Most tokens per answer (default 64).")
  int maxTokens = 64;

  @Option(names = "--temperature", description = "Sampling temperature (default 0: greedy).")
  double temperature = 0;

  @Option(names = "--seed", description = "Sampling seed (default 0).")
  long seed = 0;

  @Option(
      names = "--data-dir",
      description =
          "A Lathe data directory whose fine-tuned (ft:) models to use (default: a temporary one).")
  Path dataDir;

  @Option(names = "--json", description = "Print the runs as one JSON document.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ObjectNode evalBody;
    List<ObjectNode> runBodies = new ArrayList<>();
    ArrayNode content;
    try {
      content = content(data);
      evalBody = JSON.createObjectNode();
      evalBody.put("name", data.getFileName().toString());
      ObjectNode config = evalBody.putObject("data_source_config");
      config.put("type", "custom");
      config.set(
          "item_schema",
          itemSchema == null
              ? JSON.createObjectNode().put("type", "object")
              : readJson(itemSchema));
      config.put("include_sample_schema", !models.isEmpty());
      evalBody.set("testing_criteria", readJson(criteria));
      JsonNode messages =
          template == null
              ? JSON.createArrayNode()
                  .add(JSON.createObjectNode().put("role", "user").put("content", "{{item.input}}"))
              : readJson(template);
      for (String model : models.isEmpty() ? List.of("") : models) {
        ObjectNode run = JSON.createObjectNode();
        ObjectNode source = run.putObject("data_source");
        source.put("type", model.isEmpty() ? "jsonl" : "completions");
        source.putObject("source").put("type", "file_content").set("content", content);
        if (!model.isEmpty()) {
          run.put("name", model);
          source.put("model", servedName(model));
          source.putObject("input_messages").put("type", "template").set("template", messages);
          source
              .putObject("sampling_params")
              .put("temperature", temperature)
              .put("max_completion_tokens", maxTokens)
              .put("seed", seed);
        }
        runBodies.add(run);
      }
    } catch (IOException | IllegalArgumentException e) {
      err.println("lathe eval: " + e.getMessage());
      return 2;
    }
    Path dir = dataDir;
    try {
      boolean temporary = dir == null;
      if (temporary) {
        dir = Files.createTempDirectory("lathe-eval-");
      }
      try (LatheServer server = LatheServer.start(config(dir), hub())) {
        String base = "http://127.0.0.1:" + server.port() + "/v1";
        JsonNode eval = call(base + "/evals", "POST", evalBody);
        Map<String, JsonNode> runs = new LinkedHashMap<>();
        for (ObjectNode body : runBodies) {
          JsonNode run = call(base + "/evals/" + eval.get("id").asText() + "/runs", "POST", body);
          runs.put(body.path("name").asText("samples"), run);
        }
        for (Map.Entry<String, JsonNode> e : runs.entrySet()) {
          e.setValue(await(base, e.getValue(), err));
        }
        print(out, runs, content.size());
        return runs.values().stream().allMatch(r -> r.path("status").asText().equals("completed"))
            ? 0
            : 1;
      } finally {
        if (temporary) {
          deleteTree(dir);
        }
      }
    } catch (ApiFailure e) {
      err.println("lathe eval: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("lathe eval: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /** The data file's lines as inline content, each checked to be {"item": {...}}. */
  private static ArrayNode content(Path file) throws IOException {
    ArrayNode content = JSON.createArrayNode();
    int n = 0;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      n++;
      if (line.isBlank()) {
        throw new IllegalArgumentException(file + ", line " + n + ": blank line; remove it.");
      }
      JsonNode row;
      try {
        row = JSON.readTree(line);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException(
            file + ", line " + n + ": not valid JSON (" + e.getOriginalMessage() + ").");
      }
      if (!row.isObject() || !row.path("item").isObject()) {
        throw new IllegalArgumentException(
            file + ", line " + n + ": expected {\"item\": {...}} (an object under \"item\").");
      }
      content.add(row);
    }
    if (content.isEmpty()) {
      throw new IllegalArgumentException(file + " holds no items.");
    }
    return content;
  }

  private static JsonNode readJson(Path file) throws IOException {
    try {
      return JSON.readTree(Files.readString(file));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          file + ": not valid JSON (" + e.getOriginalMessage() + ").");
    }
  }

  /** A model given as a path is served under its file name; a name stays as it is. */
  private static String servedName(String model) {
    Path p = Path.of(model);
    return !model.startsWith("ft:") && Files.exists(p) ? p.getFileName().toString() : model;
  }

  private ServerConfig config(Path dir) {
    ServerConfig defaults = ServerConfig.defaults(Path.of("..", "shared", "models"));
    Map<String, String> served = new LinkedHashMap<>(defaults.models());
    for (String m : models) {
      Path p = Path.of(m);
      if (!m.startsWith("ft:") && Files.exists(p)) {
        served.put(p.getFileName().toString(), p.toAbsolutePath().toString());
      }
    }
    return new ServerConfig(
            "127.0.0.1",
            0,
            dir,
            null,
            defaults.uploadLimitBytes(),
            List.of(),
            served,
            defaults.aliases())
        .withWorkers(1);
  }

  private static HubSettings hub() {
    return HubSettings.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /** Polls the run until it ends. */
  private JsonNode await(String base, JsonNode run, PrintWriter err)
      throws IOException, InterruptedException {
    String url = base + "/evals/" + run.get("eval_id").asText() + "/runs/" + run.get("id").asText();
    long shown = -1;
    while (true) {
      JsonNode now = call(url, "GET", null);
      String status = now.path("status").asText();
      if (!status.equals("queued") && !status.equals("in_progress")) {
        return now;
      }
      long done = now.path("result_counts").path("total").asLong();
      if (done != shown && !json) {
        err.println("lathe eval: " + now.path("name").asText() + ": " + done + " items graded");
        err.flush();
        shown = done;
      }
      Thread.sleep(200);
    }
  }

  private void print(PrintWriter out, Map<String, JsonNode> runs, int items)
      throws JsonProcessingException {
    if (json) {
      ObjectNode root = JSON.createObjectNode();
      root.put("items", items);
      ObjectNode byModel = root.putObject("runs");
      runs.forEach(byModel::set);
      out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
      out.flush();
      return;
    }
    List<String> names = new ArrayList<>(runs.keySet());
    Map<String, Map<String, String>> cells = new LinkedHashMap<>();
    for (String model : names) {
      JsonNode run = runs.get(model);
      for (JsonNode c : run.path("per_testing_criteria_results")) {
        long passed = c.path("passed").asLong();
        long total = passed + c.path("failed").asLong();
        cells
            .computeIfAbsent(c.path("testing_criteria").asText(), k -> new LinkedHashMap<>())
            .put(model, rate(passed, total));
      }
      JsonNode counts = run.path("result_counts");
      cells
          .computeIfAbsent("all criteria", k -> new LinkedHashMap<>())
          .put(model, rate(counts.path("passed").asLong(), counts.path("total").asLong()));
      cells
          .computeIfAbsent("errored items", k -> new LinkedHashMap<>())
          .put(model, Long.toString(counts.path("errored").asLong()));
      cells
          .computeIfAbsent("status", k -> new LinkedHashMap<>())
          .put(model, run.path("status").asText());
    }
    int first = Math.max(9, cells.keySet().stream().mapToInt(String::length).max().orElse(0));
    StringBuilder header = new StringBuilder(String.format("%-" + first + "s", "criterion"));
    names.forEach(n -> header.append("  ").append(String.format("%18s", shorten(n))));
    out.println(header);
    cells.forEach(
        (criterion, row) -> {
          StringBuilder line = new StringBuilder(String.format("%-" + first + "s", criterion));
          names.forEach(
              n -> line.append("  ").append(String.format("%18s", row.getOrDefault(n, "-"))));
          out.println(line);
        });
    runs.values().stream()
        .filter(r -> r.path("error").isObject())
        .forEach(
            r ->
                out.println(
                    r.path("name").asText() + ": " + r.path("error").path("message").asText()));
    out.flush();
  }

  private static String rate(long passed, long total) {
    return total == 0 ? "-" : String.format("%d/%d %5.1f%%", passed, total, 100.0 * passed / total);
  }

  private static String shorten(String name) {
    return name.length() <= 18 ? name : "…" + name.substring(name.length() - 17);
  }

  /** One API call; a 4xx is an {@link ApiFailure} naming the line of --data it concerns. */
  private JsonNode call(String url, String method, JsonNode body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json");
    request.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    HttpResponse<String> response;
    try (HttpClient client = HttpClient.newHttpClient()) {
      response =
          client.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
    JsonNode answer = JSON.readTree(response.body());
    if (response.statusCode() != 200) {
      JsonNode error = answer.path("error");
      String message = error.path("message").asText(response.body());
      String param = error.path("param").asText("");
      Matcher m = CONTENT_INDEX.matcher(param + " " + message);
      String where = "";
      if (m.find()) {
        where = data + ", line " + (Integer.parseInt(m.group(1)) + 1) + ": ";
      } else if (param.startsWith("testing_criteria")) {
        where = criteria + ", " + param.replaceFirst("^testing_criteria", "") + ": ";
      }
      throw new ApiFailure(where + message + (param.isEmpty() ? "" : " (param: " + param + ")"));
    }
    return answer;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** The API refused a request (a mistake in the inputs). */
  private static final class ApiFailure extends IOException {
    ApiFailure(String message) {
      super(message);
    }
  }
}
