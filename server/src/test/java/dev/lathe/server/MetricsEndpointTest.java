package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} scraped over HTTP from a real server before and after a real fine-tuning job
 * (TinyStories-656K, LoRA, 6 steps) and a real chat completion: the request, job, training,
 * decoding, model and file-store meters moved by what happened, and route labels are templates.
 */
class MetricsEndpointTest {
  @TempDir Path dataDir;

  @Test
  void countersMoveAfterAJobAndAChat() throws Exception {
    try (TestServer server =
        new TestServer(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1, TestDatabase.SQLITE)) {
      int port = server.server.port();
      Scrape before = Scrape.of(port, null);
      assertThat(before.value("lathe_jobs", "status", "succeeded")).isZero();
      assertThat(before.value("lathe_training_tokens_total")).isZero();
      assertThat(before.value("lathe_generated_tokens_total")).isZero();
      assertThat(before.value("lathe_models_loaded")).isZero();
      assertThat(before.value("lathe_file_store_bytes")).isZero();

      OpenAIClient client = server.client(TestServer.KEY_A);
      FineTuningJob job = MetricsExtensionsTest.startSmallJob(client);
      new JobWatch(client).await(job.id(), j -> j.status().asString().equals("succeeded"));
      ChatCompletion chat =
          client
              .chat()
              .completions()
              .create(
                  ChatCompletionCreateParams.builder()
                      .model("tinystories-656k")
                      .addUserMessage("Tell me about a cat.")
                      .temperature(0.0)
                      .maxCompletionTokens(12)
                      .build());
      long completionTokens = chat.usage().orElseThrow().completionTokens();
      client.files().retrieve(job.trainingFile());

      Scrape after =
          Scrape.awaiting(port, null, s -> requests(s, "GET", "/v1/files/{id}", "200") > 0);
      assertThat(requests(after, "POST", "/v1/chat/completions", "200")).isEqualTo(1);
      assertThat(requests(after, "POST", "/v1/fine_tuning/jobs", "200")).isEqualTo(1);
      assertThat(requests(after, "GET", "/v1/files/{id}", "200")).isEqualTo(1);
      assertThat(
              after.value(
                  "lathe_http_server_requests_seconds_bucket",
                  "route",
                  "/v1/chat/completions",
                  "le",
                  "+Inf"))
          .isEqualTo(1);
      assertThat(after.value("lathe_jobs", "status", "succeeded")).isEqualTo(1);
      assertThat(after.value("lathe_jobs", "status", "queued")).isZero();
      assertThat(after.all("lathe_jobs_queue_depth")).singleElement();
      assertThat(after.value("lathe_jobs_queue_depth")).isZero();
      assertThat(after.value("lathe_training_tokens_per_second")).isPositive();
      assertThat(after.value("lathe_training_tokens_total")).isPositive();
      // six steps; the first of an attempt has no measured interval
      assertThat(after.value("lathe_training_step_seconds_count")).isEqualTo(5);
      assertThat(after.value("lathe_training_step_seconds_sum")).isPositive();

      String model = "tinystories-656k";
      assertThat(after.value("lathe_generated_tokens_total", "model", model))
          .isEqualTo(completionTokens);
      assertThat(after.value("lathe_decode_tokens_total", "model", model))
          .isEqualTo(completionTokens - 1);
      assertThat(after.value("lathe_prompt_tokens_total", "model", model))
          .isEqualTo(chat.usage().orElseThrow().promptTokens());
      assertThat(after.value("lathe_time_to_first_token_seconds_count", "model", model))
          .isEqualTo(1);
      assertThat(after.value("lathe_decode_seconds_count", "model", model)).isEqualTo(1);

      assertThat(after.value("lathe_models_loaded")).isGreaterThanOrEqualTo(1);
      assertThat(after.value("lathe_model_bytes", "model", model)).isPositive();
      long stored = 0;
      for (FileObject f : server.client(TestServer.KEY_ADMIN).files().list().autoPager()) {
        stored += f.bytes();
      }
      assertThat(stored).as("the training file and the job's result files").isPositive();
      assertThat(after.value("lathe_file_store_bytes")).isEqualTo(stored);
      assertThat(after.value("jvm_memory_used_bytes")).isPositive();
      assertThat(after.value("process_uptime_seconds")).isPositive();
    }
  }

  @Test
  void routeLabelsAreTemplatesNotIds() throws Exception {
    try (TestServer server = new TestServer(dataDir)) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      String file = FileValidationReportTest.upload(client, "{}\n", FilePurpose.FINE_TUNE);
      client.files().retrieve(file);
      client.files().content(file).close();
      int missing = get(server, "/v1/files/file-doesnotexist42", TestServer.KEY_A);
      int badKey = get(server, "/v1/files/" + file, "sk-not-a-key-0000");
      int unknown = get(server, "/v1/no-such-route-77", TestServer.KEY_A);
      assertThat(missing).isEqualTo(404);
      assertThat(badKey).isEqualTo(401);
      assertThat(unknown).isEqualTo(404);

      Scrape scrape =
          Scrape.awaiting(server.server.port(), null, s -> requests(s, "GET", "/v1/*", "404") > 0);
      assertThat(requests(scrape, "GET", "/v1/files/{id}", "200")).isEqualTo(1);
      assertThat(requests(scrape, "GET", "/v1/files/{id}", "404")).isEqualTo(1);
      assertThat(requests(scrape, "GET", "/v1/files/{id}/content", "200")).isEqualTo(1);
      String requests = "lathe_http_server_requests_seconds_count";
      assertThat(scrape.value(requests, "route", "/v1/*", "status", "401"))
          .as("a bad key is refused by the /v1 filter, before any route matched")
          .isEqualTo(1);
      assertThat(scrape.value(requests, "route", "/v1/*", "status", "404")).isEqualTo(1);
      assertThat(scrape.all(requests))
          .allSatisfy(
              s ->
                  assertThat(s.labels().get("route"))
                      .doesNotContain(file)
                      .doesNotContain("doesnotexist42")
                      .doesNotContain("no-such-route-77"));
    }
  }

  private static double requests(Scrape scrape, String method, String route, String status) {
    return scrape.value(
        "lathe_http_server_requests_seconds_count",
        "method",
        method,
        "route",
        route,
        "status",
        status);
  }

  private static int get(TestServer server, String path, String key) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.server.port() + path))
                .header("Authorization", "Bearer " + key)
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
