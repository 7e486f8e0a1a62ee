package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.core.MultipartField;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Compare jobs page on two finished real jobs (TinyStories-656K, different hyperparameters):
 * both jobs' loss curves in one chart, one colour each, and their settings and results side by
 * side; unticking a job takes it out of the chart and the address.
 */
class DashboardCompareTest {
  @TempDir Path dataDir;

  static String upload(OpenAIClient client, String name, String content) {
    return client
        .files()
        .create(
            FileCreateParams.builder()
                .file(
                    MultipartField.<InputStream>builder()
                        .value(new ByteArrayInputStream(content.getBytes(StandardCharsets.UTF_8)))
                        .filename(name)
                        .build())
                .purpose(FilePurpose.FINE_TUNE)
                .build())
        .id();
  }

  static FineTuningJob job(
      OpenAIClient client, String train, String valid, String suffix, long epochs, long batch) {
    return client
        .fineTuning()
        .jobs()
        .create(
            JobCreateParams.builder()
                .model("tinystories-656k")
                .trainingFile(train)
                .validationFile(valid)
                .suffix(suffix)
                .seed(7)
                .hyperparameters(
                    JobCreateParams.Hyperparameters.builder()
                        .nEpochs(epochs)
                        .batchSize(batch)
                        .learningRateMultiplier(batch == 4 ? 10.0 : 3.0)
                        .build())
                .build());
  }

  static String trainingText() {
    StringBuilder train = new StringBuilder();
    FineTuningJobsTest.ANIMALS.forEach(a -> train.append(FineTuningJobsTest.line(a)));
    return train.toString();
  }

  @Test
  void twoFinishedJobsAreOverlaidAndSetSideBySide() throws Exception {
    try (TestServer server = TestServer.withRealClock(dataDir, 1);
        Browser browser = Browser.open(1280, 900)) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      String train = upload(client, "animals.jsonl", trainingText());
      String valid =
          upload(
              client,
              "animals-valid.jsonl",
              FineTuningJobsTest.line("bee") + FineTuningJobsTest.line("goat"));
      FineTuningJob a = job(client, train, valid, "fast", 2, 4);
      FineTuningJob b = job(client, train, valid, "slow", 1, 2);
      JobWatch watch = new JobWatch(client);
      watch.await(a.id(), j -> j.status().asString().equals("succeeded"));
      watch.await(b.id(), j -> j.status().asString().equals("succeeded"));

      String origin = "http://127.0.0.1:" + server.server.port();
      browser.useKey(origin, TestServer.KEY_A);
      browser.go(origin + "/#/compare?jobs=" + a.id() + "," + b.id());
      browser.await(
          20, d -> "2".equals(browser.find("#compare-chart").getDomAttribute("data-jobs")));
      // two series per job (training and validation), labelled with the job's suffix
      assertThat(browser.find("#compare-chart").getDomAttribute("data-series")).isEqualTo("4");
      assertThat(browser.find("#compare-chart").getDomAttribute("data-points"))
          .as("the union of both jobs' steps: 8 and 8")
          .isEqualTo("8");
      String legend = browser.find("#compare-chart .u-legend").getText();
      assertThat(legend).contains("fast", "slow");

      assertThat(cell(browser, "Epochs", a.id())).isEqualTo("2");
      assertThat(cell(browser, "Epochs", b.id())).isEqualTo("1");
      assertThat(cell(browser, "Batch size", a.id())).isEqualTo("4");
      assertThat(cell(browser, "Batch size", b.id())).isEqualTo("2");
      assertThat(cell(browser, "Learning rate multiplier", a.id())).isEqualTo("10");
      assertThat(cell(browser, "Learning rate multiplier", b.id())).isEqualTo("3");
      assertThat(cell(browser, "Status", b.id())).isEqualTo("succeeded");
      browser.await(10, d -> cell(browser, "Training file", a.id()).equals("animals.jsonl"));
      assertThat(cell(browser, "Validation file", b.id())).isEqualTo("animals-valid.jsonl");
      assertThat(cell(browser, "Final training loss", a.id())).matches("\\d+(\\.\\d+)?");
      assertThat(cell(browser, "Full validation loss", b.id())).matches("\\d+(\\.\\d+)?");
      assertThat(cell(browser, "Trained tokens", a.id())).matches("[\\d,]+");
      browser.screenshot("compare");

      // untick the second job: one job left, in the chart and in the address
      browser.find("summary").click();
      browser.find("#cmp-" + b.id()).click();
      browser.await(
          10, d -> "1".equals(browser.find("#compare-chart").getDomAttribute("data-jobs")));
      assertThat(browser.driver.getCurrentUrl()).endsWith("#/compare?jobs=" + a.id());
      browser.assertNoConsoleErrors();
    }
  }

  static String cell(Browser browser, String row, String job) {
    return browser
        .find("#compare-table tr[data-row='" + row + "'] td[data-job='" + job + "']")
        .getText();
  }
}
