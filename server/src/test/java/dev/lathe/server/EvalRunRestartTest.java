package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An eval run survives a restart: closing the server stops its worker between items and gives the
 * run back to the queue with the graded items kept (and counted in the run); the next server's
 * worker resumes it, skipping those, and the run ends with every item exactly once, its counts and
 * its model usage those of one pass over the data.
 */
class EvalRunRestartTest {
  static final int ITEMS = 80;

  @TempDir Path dataDir;

  @Test
  void aRunInterruptedByShutdownResumesAndGradesEachItemOnce() throws Exception {
    String evalId;
    String runId;
    try (TestServer first = new TestServer(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1)) {
      LatheHttp http = new LatheHttp(first, TestServer.KEY_A);
      evalId = EvalRoutesTest.createEval(http, "restart");
      ObjectNode body =
          EvalRoutesTest.json(
              "{'data_source': {'type': 'completions', 'model': 'stories260k',"
                  + " 'input_messages': {'type': 'template', 'template': [{'role': 'user',"
                  + " 'content': 'Tell me about {{item.q}}'}]}, 'sampling_params':"
                  + " {'temperature': 0, 'max_completion_tokens': 24},"
                  + " 'source': {'type': 'file_content', 'content': []}}}");
      ArrayNode content = (ArrayNode) body.at("/data_source/source/content");
      for (int i = 0; i < ITEMS; i++) {
        content.addObject().putObject("item").put("q", "thing " + i).put("expected", "x");
      }
      runId = http.post("/evals/" + evalId + "/runs", body).body().get("id").asText();
      long deadline = System.nanoTime() + JobWatch.PATIENCE.toNanos();
      while (http.get("/evals/" + evalId + "/runs/" + runId)
              .body()
              .at("/result_counts/total")
              .asLong()
          < 2) {
        assertThat(System.nanoTime()).isLessThan(deadline);
        Thread.sleep(10);
      }
    } // close: the worker stops between items and gives the run back

    long graded;
    try (TestServer idle = new TestServer(dataDir)) {
      LatheHttp http = new LatheHttp(idle, TestServer.KEY_A);
      JsonNode run = http.get("/evals/" + evalId + "/runs/" + runId).body();
      graded = run.at("/result_counts/total").asLong();
      assertThat(run.get("status").asText()).isEqualTo("queued");
      assertThat(graded).as("graded before the shutdown").isBetween(2L, ITEMS - 1L);
      assertThat(items(http, evalId, runId)).hasSize((int) graded);
      assertThat(run.at("/per_model_usage/0/invocation_count").asLong()).isEqualTo(graded);
    }

    try (TestServer next = new TestServer(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1)) {
      LatheHttp http = new LatheHttp(next, TestServer.KEY_A);
      JsonNode run = EvalRoutesTest.await(http, evalId, runId);

      assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("completed");
      assertThat(run.at("/result_counts/total").asLong()).isEqualTo(ITEMS);
      assertThat(run.at("/per_model_usage/0/invocation_count").asLong()).isEqualTo(ITEMS);
      List<JsonNode> items = items(http, evalId, runId);
      assertThat(items.stream().map(i -> i.get("datasource_item_id").asLong()).toList())
          .as("every item once")
          .containsExactlyElementsOf(LongStream.range(0, ITEMS).boxed().toList());
      long passed = items.stream().filter(i -> i.get("status").asText().equals("pass")).count();
      assertThat(run.at("/result_counts/passed").asLong()).isEqualTo(passed);
      assertThat(
              run.at("/per_testing_criteria_results/0/passed").asLong()
                  + run.at("/per_testing_criteria_results/0/failed").asLong())
          .isEqualTo(ITEMS);
    }
  }

  /** Every output item of the run, in item order. */
  static List<JsonNode> items(LatheHttp http, String evalId, String runId) throws Exception {
    List<JsonNode> all = new ArrayList<>();
    String after = null;
    while (true) {
      JsonNode page =
          http.get(
                  "/evals/"
                      + evalId
                      + "/runs/"
                      + runId
                      + "/output_items?limit=100"
                      + (after == null ? "" : "&after=" + after))
              .body();
      page.get("data").forEach(all::add);
      if (!page.get("has_more").asBoolean()) {
        return all;
      }
      after = page.get("last_id").asText();
    }
  }
}
