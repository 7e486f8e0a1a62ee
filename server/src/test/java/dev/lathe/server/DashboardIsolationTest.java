package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Projects stay apart in the browser: with project A's key pasted into the key dialog, none of
 * project B's jobs, files or models shows on the jobs, job (B's job by its address is not found),
 * files, models and compare pages; with the admin key both projects' show.
 */
class DashboardIsolationTest {
  @TempDir Path dataDir;

  static FineTuningJob trained(OpenAIClient client, String file, String suffix)
      throws InterruptedException {
    FineTuningJob job =
        client
            .fineTuning()
            .jobs()
            .create(
                JobCreateParams.builder()
                    .model("tinystories-656k")
                    .trainingFile(file)
                    .suffix(suffix)
                    .hyperparameters(
                        JobCreateParams.Hyperparameters.builder().nEpochs(1L).batchSize(8L).build())
                    .build());
    return new JobWatch(client).await(job.id(), j -> j.status().asString().equals("succeeded"));
  }

  /** Pastes {@code key} into the key dialog the dashboard opens without one. */
  static void paste(Browser browser, String key) {
    browser.find("#key-dialog[open]");
    browser.find("#key-input").sendKeys(key);
    browser.find("#key-save").click();
    browser.find("#sign-out");
  }

  static String text(Browser browser) {
    return browser.find("#view").getText();
  }

  @Test
  void projectAsKeySeesNoneOfProjectBsObjectsAndTheAdminKeySeesBoth() throws Exception {
    try (TestServer server = TestServer.withRealClock(dataDir, 1);
        Browser browser = Browser.open(1280, 900)) {
      OpenAIClient a = server.client(TestServer.KEY_A);
      OpenAIClient b = server.client(TestServer.KEY_B);
      String text = DashboardCompareTest.trainingText();
      String fileA = DashboardCompareTest.upload(a, "alpha-train.jsonl", text);
      String fileB = DashboardCompareTest.upload(b, "beta-train.jsonl", text);
      FineTuningJob jobA = trained(a, fileA, "alpha");
      FineTuningJob jobB = trained(b, fileB, "beta");
      String ftA = jobA.fineTunedModel().orElseThrow();
      String ftB = jobB.fineTunedModel().orElseThrow();

      String origin = "http://127.0.0.1:" + server.server.port();
      browser.go(origin + "/#/jobs");
      paste(browser, TestServer.KEY_A);
      browser.find("tr[data-job='" + jobA.id() + "']");
      assertThat(text(browser)).contains(jobA.id()).doesNotContain(jobB.id(), ftB);

      browser.go(origin + "/#/jobs/" + jobB.id());
      browser.find("[data-testid=job-not-found]");
      assertThat(text(browser)).doesNotContain(ftB, fileB);

      browser.go(origin + "/#/files");
      browser.await(20, d -> text(browser).contains("alpha-train.jsonl"));
      assertThat(text(browser)).doesNotContain("beta-train.jsonl", fileB);

      browser.go(origin + "/#/models");
      browser.find("li[data-model='" + ftA + "']");
      assertThat(browser.all("li[data-model='" + ftB + "']")).isEmpty();
      assertThat(text(browser)).doesNotContain(ftB, jobB.id());

      browser.go(origin + "/#/compare?jobs=" + jobA.id() + "," + jobB.id());
      browser.find("#compare-table th[data-job='" + jobA.id() + "']");
      assertThat(browser.all("#compare-table [data-job='" + jobB.id() + "']")).isEmpty();
      assertThat(browser.find("[data-testid=compare-missing]").getText()).contains(jobB.id());
      assertThat(browser.find("#compare-picker").getText()).doesNotContain(jobB.id());
      // the first visit without a key (401, then the key dialog) and B's job asked for by id (job
      // page, compare: 404) are the only failed requests the browser logs
      browser.assertOnlyHttpErrors(401, 404);

      // the admin key: both projects' jobs, models and files
      browser.find("#sign-out").click();
      browser.go(origin + "/#/jobs");
      paste(browser, TestServer.KEY_ADMIN);
      browser.assertOnlyHttpErrors(401); // the keyless reload after "Forget key"
      browser.find("tr[data-job='" + jobB.id() + "']");
      browser.find("tr[data-job='" + jobA.id() + "']");
      browser.go(origin + "/#/jobs/" + jobB.id());
      browser.await(20, d -> browser.find("#job-ft-model").getText().equals(ftB));
      browser.go(origin + "/#/models");
      browser.find("li[data-model='" + ftB + "']");
      browser.find("li[data-model='" + ftA + "']");
      browser.go(origin + "/#/compare?jobs=" + jobA.id() + "," + jobB.id());
      browser.await(
          20, d -> "2".equals(browser.find("#compare-chart").getDomAttribute("data-jobs")));
      browser.go(origin + "/#/files");
      browser.await(20, d -> text(browser).contains("beta-train.jsonl"));
      assertThat(text(browser)).contains("alpha-train.jsonl");
      browser.assertNoConsoleErrors();
    }
  }
}
