package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobListParams;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;

/**
 * The New job form in a real browser: it shows the training file's report and the estimate before
 * anything is submitted; a bad suffix, {@code n_epochs} 0, a training file with errors (uploaded
 * through the form's own drop zone), a DPO {@code beta} out of range and a chat file for DPO each
 * show their message next to their field and create no job; a good submit creates the job the form
 * describes and opens its page.
 */
class DashboardNewJobTest {
  static final String MODEL = "tinystories-656k";

  @TempDir Path dir;

  static List<FineTuningJob> jobs(OpenAIClient client) {
    return client.fineTuning().jobs().list(JobListParams.builder().build()).data();
  }

  static void choose(Browser browser, String css, String value) {
    browser.js(
        "const s = document.querySelector(arguments[0]); s.value = arguments[1];"
            + " s.dispatchEvent(new Event('change'));",
        css,
        value);
  }

  static void type(Browser browser, String css, String text) {
    WebElement input = browser.find(css);
    input.clear();
    input.sendKeys(text);
  }

  /** The error the page shows for {@code param}, inside the field that names it. */
  static String errorFor(Browser browser, String param) {
    String css = "[data-param='" + param + "'] [data-error-for='" + param + "']";
    return browser.await(20, d -> text(browser, css));
  }

  @Test
  void showsTheReportAndEstimateAndCreatesOnlyValidJobs() throws Exception {
    try (TestServer server = new TestServer(dir);
        Browser browser = Browser.open(1280, 1100)) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      String file = TrainingFiles.uploadAnimals(client);
      String origin = "http://127.0.0.1:" + server.server.port();
      browser.useKey(origin, TestServer.KEY_A);
      browser.go(origin + "/#/new");
      browser.find("#nj-training option[value='" + file + "']");
      choose(browser, "#nj-training", file);
      choose(browser, "#nj-model", MODEL);

      // before submitting: the report and the estimate of this file on this model
      browser.find("#nj-training-report");
      assertThat(text(browser, "#nj-training-report [data-key='errors']")).isEqualTo("0");
      assertThat(text(browser, "#nj-training-report [data-key='examples']")).isEqualTo("10");
      type(browser, "#nj-n_epochs", "2");
      browser.await(30, d -> "2".equals(estimateValue(browser, "n_epochs")));
      assertThat(Long.parseLong(browser.find("#nj-estimate .estimate").getAttribute("data-steps")))
          .isPositive();
      assertThat(estimateValue(browser, "examples")).isEqualTo("10");
      assertThat(estimateValue(browser, "tokens_per_epoch")).matches("[\\d,]+");
      assertThat(estimateValue(browser, "tokens_per_second")).contains("tokens/s");
      assertThat(estimateValue(browser, "estimated_seconds")).isNotBlank();
      browser.screenshot("new-job");
      browser.driver.manage().window().setSize(new Dimension(420, 1000));
      browser.await(10, d -> (Long) browser.js("return window.innerWidth;") <= 420);
      assertThat((Boolean) browser.js("return document.documentElement.scrollWidth <= 420;"))
          .as("no horizontal scrolling at 420 px")
          .isTrue();
      browser.screenshot("new-job-narrow");
      browser.driver.manage().window().setSize(new Dimension(1280, 1100));

      // a suffix with spaces: the API's message next to the suffix, and no job
      type(browser, "#nj-suffix", "my model");
      browser.find("#nj-submit").click();
      assertThat(errorFor(browser, "suffix")).contains("Invalid 'suffix'");
      assertThat(jobs(client)).isEmpty();

      // n_epochs 0: the estimate and the submit both name the field; no job
      type(browser, "#nj-suffix", "animals");
      type(browser, "#nj-n_epochs", "0");
      String epochs = "method.supervised.hyperparameters.n_epochs";
      assertThat(errorFor(browser, epochs)).contains("n_epochs");
      browser.find("#nj-submit").click();
      browser.await(10, d -> !browser.all("[data-error-for='" + epochs + "']").isEmpty());
      assertThat(errorFor(browser, epochs)).contains("Expected 'auto' or an integer between 1");
      assertThat(jobs(client)).isEmpty();

      // a training file with errors, uploaded in the form: its report, and no job
      type(browser, "#nj-n_epochs", "1");
      Path bad = dir.resolve("bad.jsonl");
      Files.writeString(bad, TrainingFiles.animals() + "not json\n");
      browser.find("#nj-training-upload-input").sendKeys(bad.toString());
      browser.await(
          30,
          d ->
              String.valueOf(
                      browser.js(
                          "return document.getElementById('nj-training').selectedOptions[0]"
                              + ".textContent;"))
                  .startsWith("bad.jsonl"));
      browser.await(
          30,
          d ->
              browser.all("#nj-training-report[data-errors='1']").size() == 1
                  && !browser.all("#nj-training-report tr.problem[data-line='11']").isEmpty());
      browser.find("#nj-submit").click();
      assertThat(errorFor(browser, "training_file")).contains("error");
      assertThat(jobs(client)).isEmpty();

      // DPO: beta is named where the method object puts it; a chat file cannot train DPO
      choose(browser, "#nj-training", file);
      choose(browser, "#nj-method", "dpo");
      type(browser, "#nj-beta", "3");
      assertThat(errorFor(browser, "method.dpo.hyperparameters.beta")).contains("'beta'");
      browser.find("#nj-submit").click();
      assertThat(errorFor(browser, "training_file")).contains("DPO");
      assertThat(jobs(client)).isEmpty();
      choose(browser, "#nj-method", "supervised");

      // a good submit: the job the form describes, and its page
      browser.await(30, d -> "1".equals(estimateValue(browser, "n_epochs")));
      type(browser, "#nj-seed", "42");
      browser.find("#nj-submit").click();
      browser.await(20, d -> d.getCurrentUrl().contains("#/jobs/ftjob-"));
      List<FineTuningJob> created = jobs(client);
      assertThat(created).hasSize(1);
      FineTuningJob job = created.get(0);
      assertThat(browser.driver.getCurrentUrl()).endsWith("#/jobs/" + job.id());
      assertThat(job.model()).isEqualTo(MODEL);
      assertThat(job.trainingFile()).isEqualTo(file);
      assertThat(job.seed()).isEqualTo(42);
      JsonNode wire = jobJson(server, job.id());
      assertThat(wire.path("user_provided_suffix").asText()).isEqualTo("animals");
      assertThat(wire.at("/method/type").asText()).isEqualTo("supervised");
      assertThat(wire.at("/method/supervised/hyperparameters/n_epochs").asInt()).isEqualTo(1);
      browser.assertOnlyHttpErrors(400);
      browser.assertNoConsoleErrors();
    }
  }

  /** The job as the server sends it (fields the SDK does not model). */
  static JsonNode jobJson(TestServer server, String id) throws Exception {
    HttpResponse<String> res =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(server.uri("/fine_tuning/jobs/" + id))
                    .header("Authorization", "Bearer " + TestServer.KEY_A)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(res.statusCode()).isEqualTo(200);
    return new ObjectMapper().readTree(res.body());
  }

  /** The estimate's shown value for {@code key} (read in one script: the panel re-renders). */
  static String estimateValue(Browser browser, String key) {
    return text(browser, "#nj-estimate [data-key='" + key + "']");
  }

  static String text(Browser browser, String css) {
    Object t =
        browser.js(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css);
    return t == null ? null : t.toString();
  }
}
