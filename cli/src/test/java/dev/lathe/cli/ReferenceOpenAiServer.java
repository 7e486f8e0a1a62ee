package dev.lathe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A second, independent implementation of the OpenAI API subset the client commands use, written
 * from OpenAI's published shapes and sharing no code with Lathe's server: Files (multipart upload,
 * list, retrieve, content, delete), fine-tuning jobs (create, list, retrieve, cancel, pause,
 * resume, events, checkpoints), Models (list, retrieve, delete) and Chat Completions (plain and
 * SSE). A job advances one stage each time it is retrieved: validating, running, three steps with
 * metrics, then succeeded, except a job whose suffix is {@code fail}, which fails after starting.
 * Answers are canned words (model name and the user's last message); every error is OpenAI's
 * envelope.
 */
final class ReferenceOpenAiServer implements AutoCloseable {
  static final String KEY = "sk-reference-0001";
  static final String BASE_MODEL = "ref-base";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int STEPS = 3;
  private static final long T0 = 1_767_225_600L; // 2026-01-01T00:00:00Z

  private final HttpServer http;
  private final Map<String, ObjectNode> files = new LinkedHashMap<>();
  private final Map<String, byte[]> contents = new HashMap<>();
  private final Map<String, Job> jobs = new LinkedHashMap<>();
  private final Map<String, ObjectNode> models = new LinkedHashMap<>();
  private int ids;

  /** A job's object, its events (oldest first) and checkpoints, and its stage. */
  private static final class Job {
    final ObjectNode object;
    final List<ObjectNode> events = new ArrayList<>();
    final List<ObjectNode> checkpoints = new ArrayList<>();
    int stage;

    Job(ObjectNode object) {
      this.object = object;
    }

    String status() {
      return object.get("status").asText();
    }
  }

  ReferenceOpenAiServer() throws IOException {
    http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext("/v1/", this::handle);
    http.start();
    models.put(BASE_MODEL, model(BASE_MODEL, "system"));
  }

  String baseUrl() {
    return "http://127.0.0.1:" + http.getAddress().getPort() + "/v1";
  }

  @Override
  public void close() {
    http.stop(0);
  }

  private synchronized void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      if (!("Bearer " + KEY).equals(auth)) {
        error(ex, 401, "Incorrect API key provided.", "invalid_api_key", null);
        return;
      }
      route(ex, ex.getRequestMethod(), ex.getRequestURI().getPath().substring(3));
    }
  }

  private void route(HttpExchange ex, String method, String path) throws IOException {
    Matcher m;
    if (path.equals("/files") && method.equals("POST")) {
      upload(ex);
    } else if (path.equals("/files")) {
      send(ex, 200, list(new ArrayList<>(files.values()).reversed(), query(ex)));
    } else if ((m = match("/files/([^/]+)(/content)?", path)) != null) {
      ObjectNode f = files.get(m.group(1));
      if (f == null) {
        error(ex, 404, "No such File object: " + m.group(1), null, "id");
      } else if (m.group(2) != null) {
        ex.sendResponseHeaders(200, contents.get(f.get("id").asText()).length);
        ex.getResponseBody().write(contents.get(f.get("id").asText()));
      } else if (method.equals("DELETE")) {
        files.remove(m.group(1));
        send(ex, 200, deleted(m.group(1), "file"));
      } else {
        send(ex, 200, f);
      }
    } else if (path.equals("/fine_tuning/jobs") && method.equals("POST")) {
      createJob(ex, JSON.readTree(ex.getRequestBody()));
    } else if (path.equals("/fine_tuning/jobs")) {
      send(ex, 200, list(jobs.values().stream().map(j -> j.object).toList().reversed(), query(ex)));
    } else if ((m = match("/fine_tuning/jobs/([^/]+)(/[a-z]+)?", path)) != null) {
      Job job = jobs.get(m.group(1));
      if (job == null) {
        error(ex, 404, "No such fine-tuning job: " + m.group(1), null, "fine_tuning_job_id");
        return;
      }
      jobAction(ex, job, m.group(2) == null ? "" : m.group(2).substring(1));
    } else if (path.equals("/models")) {
      send(ex, 200, list(new ArrayList<>(models.values()), Map.of()));
    } else if ((m = match("/models/(.+)", path)) != null) {
      String id = URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
      ObjectNode model = models.get(id);
      if (model == null || (method.equals("DELETE") && !id.startsWith("ft:"))) {
        error(ex, 404, "The model '" + id + "' does not exist", "model_not_found", "model");
      } else if (method.equals("DELETE")) {
        models.remove(id);
        send(ex, 200, deleted(id, "model"));
      } else {
        send(ex, 200, model);
      }
    } else if (path.equals("/chat/completions") && method.equals("POST")) {
      chat(ex, JSON.readTree(ex.getRequestBody()));
    } else {
      error(ex, 404, "Invalid URL (" + method + " /v1" + path + ")", null, null);
    }
  }

  private void jobAction(HttpExchange ex, Job job, String action) throws IOException {
    switch (action) {
      case "" -> {
        advance(job);
        send(ex, 200, job.object);
      }
      case "events" -> send(ex, 200, list(job.events.reversed(), query(ex)));
      case "checkpoints" -> send(ex, 200, list(job.checkpoints.reversed(), query(ex)));
      case "cancel", "pause", "resume" -> {
        String status = job.status();
        boolean allowed =
            switch (action) {
              case "cancel" -> !List.of("succeeded", "failed", "cancelled").contains(status);
              case "pause" -> status.equals("running");
              default -> status.equals("paused");
            };
        if (!allowed) {
          error(ex, 400, "Cannot " + action + " a job that is " + status + ".", null, null);
          return;
        }
        String next =
            action.equals("cancel") ? "cancelled" : action.equals("pause") ? "paused" : "running";
        job.object.put("status", next);
        event(job, "info", "Fine-tuning job " + next, "message", null);
        send(ex, 200, job.object);
      }
      default -> error(ex, 404, "Invalid URL (" + action + ")", null, null);
    }
  }

  private void upload(HttpExchange ex) throws IOException {
    String type = ex.getRequestHeaders().getFirst("Content-Type");
    Matcher b = Pattern.compile("boundary=\"?([^\";]+)").matcher(type == null ? "" : type);
    if (!b.find()) {
      error(ex, 400, "Expected multipart/form-data", null, "file");
      return;
    }
    Map<String, byte[]> parts = new HashMap<>();
    Map<String, String> names = new HashMap<>();
    Multipart.parse(ex.getRequestBody().readAllBytes(), b.group(1), parts, names);
    if (!parts.containsKey("file") || !parts.containsKey("purpose")) {
      error(
          ex, 400, "Missing file or purpose", null, parts.containsKey("file") ? "purpose" : "file");
      return;
    }
    String id = "file-ref" + ++ids;
    ObjectNode f = JSON.createObjectNode();
    f.put("id", id)
        .put("object", "file")
        .put("bytes", parts.get("file").length)
        .put("created_at", T0 + ids)
        .put("filename", names.getOrDefault("file", "upload"))
        .put("purpose", new String(parts.get("purpose"), StandardCharsets.UTF_8))
        .put("status", "processed");
    files.put(id, f);
    contents.put(id, parts.get("file"));
    send(ex, 200, f);
  }

  private void createJob(HttpExchange ex, JsonNode body) throws IOException {
    String model = body.path("model").asText();
    String training = body.path("training_file").asText();
    if (!models.containsKey(model)) {
      error(
          ex,
          400,
          "Model " + model + " is not available for fine-tuning",
          "model_not_available",
          "model");
      return;
    }
    if (!files.containsKey(training)) {
      error(ex, 400, "invalid training_file: " + training, null, "training_file");
      return;
    }
    String id = "ftjob-ref" + ++ids;
    ObjectNode job = JSON.createObjectNode();
    job.put("id", id)
        .put("object", "fine_tuning.job")
        .put("created_at", T0 + ids)
        .putNull("error")
        .putNull("fine_tuned_model")
        .putNull("finished_at")
        .put("model", model)
        .put("organization_id", "org-reference")
        .put("seed", body.path("seed").asLong(42))
        .put("status", "validating_files")
        .putNull("trained_tokens")
        .put("training_file", training)
        .put("validation_file", body.path("validation_file").textValue());
    job.putArray("result_files");
    job.putObject("hyperparameters")
        .put("n_epochs", "auto")
        .put("batch_size", "auto")
        .put("learning_rate_multiplier", "auto");
    if (body.has("method")) {
      job.set("method", body.get("method"));
    }
    if (body.has("suffix")) {
      job.put("user_provided_suffix", body.get("suffix").asText());
    }
    Job j = new Job(job);
    jobs.put(id, j);
    event(j, "info", "Created fine-tuning job: " + id, "message", null);
    event(j, "info", "Validating training file: " + training, "message", null);
    send(ex, 200, job);
  }

  /** One stage further, for a job that is not paused or finished. */
  private void advance(Job job) {
    if (!List.of("validating_files", "queued", "running").contains(job.status())) {
      return;
    }
    int stage = ++job.stage;
    String id = job.object.get("id").asText();
    if (stage == 1) {
      job.object.put("status", "running");
      event(job, "info", "Fine-tuning job started", "message", null);
    } else if ("fail".equals(job.object.path("user_provided_suffix").asText())) {
      job.object.put("status", "failed").put("finished_at", T0 + 100);
      job.object
          .putObject("error")
          .put("code", "invalid_training_file")
          .put("message", "The training file has too few examples.")
          .put("param", "training_file");
      event(job, "error", "Fine-tuning job failed: too few examples", "message", null);
    } else if (stage <= 1 + STEPS) {
      int step = stage - 1;
      double loss = 2.0 / step;
      ObjectNode data =
          JSON.createObjectNode()
              .put("step", step)
              .put("train_loss", loss)
              .put("total_steps", STEPS);
      event(
          job,
          "info",
          String.format("Step %d/%d: training loss=%.2f", step, STEPS, loss),
          "metrics",
          data);
    } else {
      String ft = "ft:" + job.object.get("model").asText() + ":reference::" + id.substring(6);
      ObjectNode checkpoint = JSON.createObjectNode();
      checkpoint
          .put("id", "ftckpt-ref" + ++ids)
          .put("object", "fine_tuning.job.checkpoint")
          .put("created_at", T0 + 90)
          .put("fine_tuned_model_checkpoint", ft + ":ckpt-step-" + STEPS)
          .put("fine_tuning_job_id", id)
          .put("step_number", STEPS)
          .putObject("metrics")
          .put("step", STEPS)
          .put("train_loss", 2.0 / STEPS);
      job.checkpoints.add(checkpoint);
      models.put(ft, model(ft, "user-reference"));
      job.object
          .put("status", "succeeded")
          .put("fine_tuned_model", ft)
          .put("finished_at", T0 + 100);
      job.object.put("trained_tokens", 300);
      event(job, "info", "New fine-tuned model created: " + ft, "message", null);
      event(job, "info", "The job has successfully completed", "message", null);
    }
  }

  private void event(Job job, String level, String message, String type, ObjectNode data) {
    ObjectNode e = JSON.createObjectNode();
    e.put("id", "ftevent-ref" + ++ids)
        .put("object", "fine_tuning.job.event")
        .put("created_at", T0 + job.events.size() * 10L)
        .put("level", level)
        .put("message", message)
        .put("type", type);
    e.set("data", data == null ? JSON.createObjectNode() : data);
    job.events.add(e);
  }

  private void chat(HttpExchange ex, JsonNode body) throws IOException {
    String model = body.path("model").asText();
    if (!models.containsKey(model)) {
      error(
          ex,
          404,
          "The model `" + model + "` does not exist or you do not have access to it.",
          "model_not_found",
          "model");
      return;
    }
    JsonNode messages = body.path("messages");
    String last =
        messages.isEmpty() ? "" : messages.get(messages.size() - 1).path("content").asText();
    String answer = (model.startsWith("ft:") ? "Tuned" : "Base") + " reply to " + last;
    int promptTokens = 0;
    for (JsonNode m : messages) {
      promptTokens += m.path("content").asText().split("\\s+").length;
    }
    String[] words = answer.split(" ");
    ObjectNode usage =
        JSON.createObjectNode()
            .put("prompt_tokens", promptTokens)
            .put("completion_tokens", words.length)
            .put("total_tokens", promptTokens + words.length);
    String id = "chatcmpl-ref" + ++ids;
    if (!body.path("stream").asBoolean()) {
      ObjectNode c = completion(id, "chat.completion", model);
      c.putArray("choices")
          .addObject()
          .put("index", 0)
          .put("finish_reason", "stop")
          .putNull("logprobs")
          .putObject("message")
          .put("role", "assistant")
          .put("content", answer)
          .putNull("refusal");
      c.set("usage", usage);
      send(ex, 200, c);
      return;
    }
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    for (int i = 0; i <= words.length; i++) {
      ObjectNode chunk = completion(id, "chat.completion.chunk", model);
      ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
      ObjectNode delta = choice.putObject("delta");
      if (i < words.length) {
        delta.put("content", (i == 0 ? "" : " ") + words[i]);
        choice.putNull("finish_reason");
      } else {
        choice.put("finish_reason", "stop");
      }
      sse(out, chunk.toString());
    }
    if (body.path("stream_options").path("include_usage").asBoolean()) {
      ObjectNode last2 = completion(id, "chat.completion.chunk", model);
      last2.putArray("choices");
      last2.set("usage", usage);
      sse(out, last2.toString());
    }
    sse(out, "[DONE]");
  }

  private static void sse(OutputStream out, String data) throws IOException {
    out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static ObjectNode completion(String id, String object, String model) {
    return JSON.createObjectNode()
        .put("id", id)
        .put("object", object)
        .put("created", T0)
        .put("model", model);
  }

  private static ObjectNode model(String id, String owner) {
    return JSON.createObjectNode()
        .put("id", id)
        .put("object", "model")
        .put("created", T0)
        .put("owned_by", owner);
  }

  private static ObjectNode deleted(String id, String object) {
    return JSON.createObjectNode().put("id", id).put("object", object).put("deleted", true);
  }

  /** A cursor page: after the item with id {@code after}, at most {@code limit} (default 20). */
  private static ObjectNode list(List<ObjectNode> items, Map<String, String> query) {
    int from = 0;
    if (query.containsKey("after")) {
      for (int i = 0; i < items.size(); i++) {
        if (items.get(i).get("id").asText().equals(query.get("after"))) {
          from = i + 1;
        }
      }
    }
    int limit = Integer.parseInt(query.getOrDefault("limit", "20"));
    List<ObjectNode> page = items.subList(from, Math.min(items.size(), from + limit));
    ObjectNode list = JSON.createObjectNode().put("object", "list");
    ArrayNode data = list.putArray("data");
    page.forEach(data::add);
    list.put("has_more", from + limit < items.size());
    if (!page.isEmpty()) {
      list.put("first_id", page.getFirst().get("id").asText());
      list.put("last_id", page.getLast().get("id").asText());
    }
    return list;
  }

  private static Map<String, String> query(HttpExchange ex) {
    Map<String, String> q = new HashMap<>();
    String raw = ex.getRequestURI().getRawQuery();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        String[] kv = pair.split("=", 2);
        q.put(
            URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
            kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
      }
    }
    return q;
  }

  private static Matcher match(String regex, String path) {
    Matcher m = Pattern.compile(regex).matcher(path);
    return m.matches() ? m : null;
  }

  private static void error(HttpExchange ex, int status, String message, String code, String param)
      throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("error")
        .put("message", message)
        .put("type", status == 401 ? "invalid_request_error" : "invalid_request_error")
        .put("param", param)
        .put("code", code);
    send(ex, status, body);
  }

  private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, bytes.length);
    ex.getResponseBody().write(bytes);
  }
}
