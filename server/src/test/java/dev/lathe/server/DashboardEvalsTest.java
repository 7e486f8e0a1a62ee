package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;

/**
 * The Evals pages against a real server: an eval with two string checks, created through {@code
 * /v1/evals}, and two completions runs of it on two real models (stories260K and TinyStories-656K,
 * greedy) graded by the server's worker. The list links the eval; the eval page shows the runs side
 * by side with the API's pass rates, per-criterion results and token usage; two ticked runs open
 * the comparison, whose classification of every item (passes only in A, only in B, in both, in
 * neither) and whose two outputs per item are those of the API's output items; a run's {@code
 * report_url} opens its page.
 */
class DashboardEvalsTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static LatheHttp http;
  static Browser browser;
  static String origin;

  /** Prompts and the word each answer is checked for. */
  static final Map<String, String> ITEMS = new LinkedHashMap<>();

  static {
    ITEMS.put("Once upon a time", "girl");
    ITEMS.put("Tell me about a dog.", "dog");
    ITEMS.put("Lily went to the park.", "park");
    ITEMS.put("The cat was sad.", "cat");
    ITEMS.put("Tom had a big red ball.", "ball");
    ITEMS.put("One day, the sun was hot.", "sun");
  }

  @BeforeAll
  static void start() throws IOException {
    server = new TestServer(dataDir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1, TestDatabase.SQLITE);
    http = new LatheHttp(server, TestServer.KEY_A);
    origin = "http://127.0.0.1:" + server.server.port();
    browser = Browser.open(1280, 900);
    browser.useKey(origin, TestServer.KEY_A);
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (server != null) {
      server.close();
    }
  }

  static ObjectNode json(String text) throws IOException {
    return (ObjectNode) LatheHttp.JSON.readTree(text.replace('\'', '"'));
  }

  static String run(String evalId, String model) throws Exception {
    StringBuilder content = new StringBuilder();
    for (var e : ITEMS.entrySet()) {
      content.append(content.isEmpty() ? "" : ", ");
      content.append("{'item': {'prompt': '" + e.getKey() + "', 'word': '" + e.getValue() + "'}}");
    }
    LatheHttp.Reply r =
        http.post(
            "/evals/" + evalId + "/runs",
            json(
                "{'name': '"
                    + model
                    + " greedy', 'data_source': {'type': 'completions', 'model': '"
                    + model
                    + "', 'input_messages': {'type': 'template', 'template': [{'role': 'user',"
                    + " 'content': '{{item.prompt}}'}]}, 'sampling_params': {'temperature': 0,"
                    + " 'max_completion_tokens': 24, 'seed': 1}, 'source': {'type':"
                    + " 'file_content', 'content': ["
                    + content
                    + "]}}}"));
    assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
    return r.body().get("id").asText();
  }

  /** The run's output items by datasource_item_id. */
  static Map<Long, JsonNode> items(String evalId, String runId) throws Exception {
    Map<Long, JsonNode> out = new LinkedHashMap<>();
    JsonNode page =
        http.get("/evals/" + evalId + "/runs/" + runId + "/output_items?limit=100").body();
    page.get("data").forEach(i -> out.put(i.get("datasource_item_id").asLong(), i));
    return out;
  }

  static String outputText(JsonNode item) {
    return item.at("/sample/output/0/content").asText();
  }

  @Test
  void runsSideBySideAndTwoRunsComparedItemByItem() throws Exception {
    LatheHttp.Reply created =
        http.post(
            "/evals",
            json(
                "{'name': 'story words', 'data_source_config': {'type': 'custom', 'item_schema':"
                    + " {'type': 'object', 'properties': {'prompt': {'type': 'string'}, 'word':"
                    + " {'type': 'string'}}, 'required': ['prompt', 'word']}},"
                    + " 'testing_criteria': [{'type': 'string_check', 'name': 'uses the word',"
                    + " 'input': '{{sample.output_text}}', 'reference': '{{item.word}}',"
                    + " 'operation': 'ilike'}, {'type': 'string_check', 'name': 'answers',"
                    + " 'input': '{{sample.output_text}}', 'reference': '', 'operation':"
                    + " 'ne'}]}"));
    assertThat(created.status()).as(created.body().toString()).isEqualTo(200);
    String evalId = created.body().get("id").asText();
    String a = run(evalId, "stories260k");
    String b = run(evalId, "tinystories-656k");
    JsonNode runA = EvalRoutesTest.await(http, evalId, a);
    JsonNode runB = EvalRoutesTest.await(http, evalId, b);
    assertThat(runA.get("status").asText()).as(runA.toString()).isEqualTo("completed");
    assertThat(runB.get("status").asText()).as(runB.toString()).isEqualTo("completed");

    // the list
    browser.go(origin + "/#/evals");
    browser.await(20, d -> !browser.all("[data-eval='" + evalId + "']").isEmpty());
    WebElement row = browser.find("[data-eval='" + evalId + "']");
    assertThat(row.getText()).contains("story words").contains("uses the word (string_check)");
    browser.screenshot("evals");
    row.findElement(By.cssSelector("[data-testid=eval-link]")).click();

    // the runs side by side, as the API counts them
    browser.await(20, d -> browser.all("#eval-runs td[data-run]").size() >= 2 * 9);
    for (JsonNode run : List.of(runA, runB)) {
      String id = run.get("id").asText();
      long total = run.at("/result_counts/total").asLong();
      long passed = run.at("/result_counts/passed").asLong();
      assertThat(cell("model", id)).isEqualTo(run.get("model").asText());
      assertThat(cell("status", id)).isEqualTo("completed");
      assertThat(cell("progress", id)).isEqualTo(total + " of 6 items");
      assertThat(cell("passed", id))
          .isEqualTo(String.format("%.1f%% (%d/%d)", 100.0 * passed / total, passed, total));
      for (JsonNode c : run.get("per_testing_criteria_results")) {
        long p = c.get("passed").asLong();
        long n = p + c.get("failed").asLong();
        assertThat(cell("criterion:" + c.get("testing_criteria").asText(), id))
            .isEqualTo(String.format("%.1f%% (%d/%d)", 100.0 * p / n, p, n));
      }
      JsonNode usage = run.at("/per_model_usage/0");
      assertThat(cell("usage", id))
          .isEqualTo(
              usage.get("model_name").asText()
                  + ": "
                  + usage.get("total_tokens").asLong()
                  + " tokens in 6 calls");
    }
    browser.screenshot("eval-runs");
    assertThat(browser.find("#eval-criteria").getText())
        .contains("answers (string_check, ne) {{sample.output_text}} vs \"\"");
    assertThat(browser.find("#eval-compare").isEnabled()).isFalse();
    browser.find(".run-pick[data-run='" + a + "']").click();
    browser.find(".run-pick[data-run='" + b + "']").click();
    browser.find("#eval-compare").click();

    // item by item: the classification and the outputs are the API's
    browser.await(20, d -> browser.driver.getCurrentUrl().endsWith("/runs/" + a + "?vs=" + b));
    Map<Long, JsonNode> itemsA = items(evalId, a);
    Map<Long, JsonNode> itemsB = items(evalId, b);
    assertThat(itemsA.keySet()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    Map<Long, String> kinds = new LinkedHashMap<>();
    for (long id : itemsA.keySet()) {
      boolean pa = itemsA.get(id).get("status").asText().equals("pass");
      boolean pb = itemsB.get(id).get("status").asText().equals("pass");
      kinds.put(id, pa && pb ? "both-pass" : pa ? "only-a" : pb ? "only-b" : "both-fail");
    }
    List<Long> differing = new ArrayList<>();
    kinds.forEach(
        (id, k) -> {
          if (k.startsWith("only")) {
            differing.add(id);
          }
        });
    assertThat(differing).as("the two models differ on some items: %s", kinds).isNotEmpty();
    browser.await(
        20, d -> browser.find("[data-testid=run-counts]").getText().contains("pass only in A"));
    assertThat(browser.find("[data-testid=run-counts]").getText())
        .isEqualTo(
            count(kinds, "only-a")
                + " pass only in A, "
                + count(kinds, "only-b")
                + " pass only in B, "
                + count(kinds, "both-pass")
                + " pass in both, "
                + count(kinds, "both-fail")
                + " fail in both.");
    // by default only the items that pass in one run and fail in the other
    assertThat(browser.all("#run-items tr[data-item]"))
        .extracting(tr -> Long.parseLong(tr.getDomAttribute("data-item")))
        .containsExactlyElementsOf(differing);
    for (long id : differing) {
      WebElement tr = browser.find("#run-items tr[data-item='" + id + "']");
      assertThat(tr.getDomAttribute("data-kind")).isEqualTo(kinds.get(id));
      List<WebElement> outputs = tr.findElements(By.cssSelector(".eval-output"));
      assertThat(outputs).hasSize(2);
      assertThat(outputs.get(0).getText().strip()).isEqualTo(outputText(itemsA.get(id)).strip());
      assertThat(outputs.get(1).getText().strip()).isEqualTo(outputText(itemsB.get(id)).strip());
    }
    assertThat(browser.find("[data-testid=run-summary-A] [data-testid=run-model]").getText())
        .isEqualTo("stories260k");
    assertThat(browser.find("[data-testid=run-summary-B] [data-testid=run-model]").getText())
        .isEqualTo("tinystories-656k");
    browser.screenshot("eval-compare");
    browser.driver.manage().window().setSize(new Dimension(420, 900));
    assertThat((Boolean) browser.js("return document.documentElement.scrollWidth <= 420;"))
        .as("nothing but the table's own wrapper scrolls sideways at 420 px")
        .isTrue();
    browser.screenshot("eval-compare-narrow");
    browser.driver.manage().window().setSize(new Dimension(1280, 900));
    browser.js(
        "const f = document.getElementById('run-filter'); f.value = 'all';"
            + " f.dispatchEvent(new Event('change'));");
    assertThat(browser.all("#run-items tr[data-item]")).hasSize(6);

    // the report_url OpenAI's run object carries opens the run's own page
    URI report = URI.create(runB.get("report_url").asText());
    assertThat(report.getPath()).isEqualTo("/");
    browser.go(origin + "/#" + report.getFragment());
    browser.await(20, d -> browser.all("#run-items tr[data-item]").size() == 6);
    assertThat(browser.find("[data-testid=run-summary] [data-testid=run-model]").getText())
        .isEqualTo("tinystories-656k");
    for (var e : itemsB.entrySet()) {
      WebElement tr = browser.find("#run-items tr[data-item='" + e.getKey() + "']");
      assertThat(tr.getDomAttribute("data-status")).isEqualTo(e.getValue().get("status").asText());
      assertThat(tr.findElement(By.cssSelector(".eval-output")).getText().strip())
          .isEqualTo(outputText(e.getValue()).strip());
    }
    browser.assertNoConsoleErrors();

    // an unknown run: the API's 404 in words
    browser.go(origin + "/#/evals/" + evalId + "/runs/evalrun_nope");
    browser.await(20, d -> !browser.all("[data-testid=not-found]").isEmpty());
    assertThat(browser.find("[data-testid=not-found]").getText()).isEqualTo("Run not found");
    assertThat(browser.find("#view").getText()).contains("evalrun_nope");
    browser.assertOnlyHttpErrors(404);
  }

  /** The eval page's cell of {@code row} for run {@code runId}. */
  static String cell(String row, String runId) {
    return browser
        .find("#eval-runs tr[data-row='" + row + "'] td[data-run='" + runId + "']")
        .getText();
  }

  static long count(Map<Long, String> kinds, String kind) {
    return kinds.values().stream().filter(kind::equals).count();
  }
}
