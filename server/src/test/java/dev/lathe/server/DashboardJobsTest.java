package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.methods.DpoHyperparameters;
import com.openai.models.finetuning.methods.DpoMethod;
import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Dimension;

/**
 * The Jobs and Job pages against a real server training real jobs (TinyStories-656K, LoRA, one
 * worker): the list shows the jobs with their status; a running job's loss chart gains points
 * between two looks and its events show; pause, resume and cancel go through the buttons and the
 * confirmation dialog and reach the API, and an action the API refuses shows its message; a
 * succeeded job shows its checkpoint models; a job failed by a bad training file shows its error; a
 * DPO job charts its rewards.
 */
class DashboardJobsTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static OpenAIClient client;
  static Browser browser;
  static String origin;
  static String trainFile;
  static String liveFile;
  static String validFile;

  @BeforeAll
  static void start() throws IOException {
    server = TestServer.withRealClock(dataDir, 1);
    client = server.client(TestServer.KEY_A);
    origin = "http://127.0.0.1:" + server.server.port();
    StringBuilder train = new StringBuilder();
    FineTuningJobsTest.ANIMALS.forEach(a -> train.append(FineTuningJobsTest.line(a)));
    trainFile = upload(train.toString());
    liveFile = upload(train.toString().repeat(30));
    validFile = upload(FineTuningJobsTest.line("bee") + FineTuningJobsTest.line("goat").repeat(2));
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

  @AfterEach
  void resetWindow() {
    browser.driver.manage().window().setSize(new Dimension(1280, 900));
  }

  static String upload(String content) {
    return upload(content.getBytes(StandardCharsets.UTF_8));
  }

  static String upload(byte[] content) {
    return client
        .files()
        .create(FileCreateParams.builder().file(content).purpose(FilePurpose.FINE_TUNE).build())
        .id();
  }

  static FineTuningJob create(long epochs, String suffix) {
    return create(epochs, 1, suffix);
  }

  static FineTuningJob create(long epochs, long batch, String suffix) {
    return create(trainFile, epochs, batch, suffix);
  }

  static FineTuningJob create(String file, long epochs, long batch, String suffix) {
    return client
        .fineTuning()
        .jobs()
        .create(
            JobCreateParams.builder()
                .model("tinystories-656k")
                .trainingFile(file)
                .validationFile(validFile)
                .suffix(suffix)
                .seed(7)
                .hyperparameters(
                    JobCreateParams.Hyperparameters.builder()
                        .nEpochs(epochs)
                        .batchSize(batch)
                        .learningRateMultiplier(4.0)
                        .build())
                .build());
  }

  static String status(String id) {
    return client.fineTuning().jobs().retrieve(id).status().asString();
  }

  int chartPoints() {
    Object n =
        browser.js(
            "const c = document.getElementById('chart-loss');"
                + " return c && c.dataset.points ? Number(c.dataset.points) : -1;");
    return ((Number) n).intValue();
  }

  /** The job page's status badge (read in one go: the header is redrawn while polling). */
  String badge() {
    Object s =
        browser.js(
            "const b = document.querySelector('#job-status .badge');"
                + " return b ? b.textContent : '';");
    return (String) s;
  }

  /** Clicks {@code button} and confirms in the dialog. */
  void confirm(String button) {
    browser.await(10, d -> browser.find(button).isEnabled());
    browser.find(button).click();
    browser.find("#confirm-dialog[open]");
    browser.find("#confirm-yes").click();
  }

  @Test
  void aRunningJobsChartGrowsItPausesResumesAndIsCancelledAndASucceededJobShowsCheckpoints()
      throws Exception {
    // 480 examples at batch 1: 50 epochs are 24,000 steps, far more than the test lets it train
    // before cancelling it (a quiet 2-core machine trains ~180 steps/s of this model)
    FineTuningJob job = create(liveFile, 50, 1, "live");
    long t0 = System.nanoTime();
    browser.go(origin + "/#/jobs/" + job.id());
    browser.await(120, d -> chartPoints() > 0 && badge().equals("running"));
    int first = chartPoints();
    browser.await(30, d -> chartPoints() > first);
    int second = chartPoints();
    System.out.printf(
        "live job: %d then %d points at %.1f s%n", first, second, (System.nanoTime() - t0) / 1e9);
    assertThat(badge()).as("still running at the second look").isEqualTo("running");
    assertThat(status(job.id())).isEqualTo("running");
    assertThat(second).isGreaterThan(first);
    browser.await(10, d -> browser.find("#job-events").getText().contains("Step "));
    // the panel shows the newest events; on a fast machine the start is already past them
    if (browser.find("#job-events-all").isDisplayed()) {
      browser.find("#job-events-all").click();
    }
    browser.await(
        20, d -> browser.find("#job-events").getText().contains("Fine-tuning job started"));

    // a job queued behind it (one worker)
    FineTuningJob queued = create(1, "queued");
    browser.go(origin + "/#/jobs/" + queued.id());
    browser.await(10, d -> badge().equals("queued"));
    // a refusal: pause asked on the page while the job is cancelled behind its back
    browser.find("#job-pause").click();
    browser.find("#confirm-dialog[open]");
    client.fineTuning().jobs().cancel(queued.id());
    browser.await(10, d -> badge().equals("cancelled")); // the page polls under the dialog
    browser.find("#confirm-yes").click();
    browser.await(10, d -> !browser.find("#job-action-error").getText().isBlank());
    assertThat(browser.find("#job-action-error").getText())
        .contains(queued.id())
        .contains("cancelled");
    assertThat(browser.find("#job-cancel").isEnabled()).isFalse();
    browser.assertOnlyHttpErrors(400);

    browser.go(origin + "/#/jobs/" + job.id());
    confirm("#job-pause");
    browser.await(60, d -> badge().equals("paused"));
    assertThat(status(job.id())).isEqualTo("paused");
    assertThat(browser.find("#job-resume").isEnabled()).isTrue();
    assertThat(browser.find("#job-pause").isEnabled()).isFalse();
    int paused = chartPoints();
    System.out.printf(
        "live job: paused at %d points at %.1f s%n", paused, (System.nanoTime() - t0) / 1e9);
    assertThat(paused).isLessThan(24_000);

    confirm("#job-resume");
    browser.await(10, d -> List.of("queued", "running").contains(badge()));
    assertThat(status(job.id())).isIn("queued", "running");
    browser.await(60, d -> badge().equals("running") && chartPoints() > paused);
    browser.screenshot("job-running");

    // a small job queued behind it, then the running job cancelled: the small one trains next
    FineTuningJob small = create(3, 4, "small");
    confirm("#job-cancel");
    browser.await(60, d -> badge().equals("cancelled"));
    assertThat(status(job.id())).isEqualTo("cancelled");
    assertThat(chartPoints()).isLessThan(24_000);
    assertThat(browser.all("#job-ft-model")).isEmpty();

    // 16 examples, batch 4, 3 epochs: 12 steps, a checkpoint model at each epoch's end
    FineTuningJob done =
        new JobWatch(client)
            .await(small.id(), j -> j.status().asString().matches("succeeded|failed"));
    System.out.printf("small job: %s at %.1f s%n", done.status(), (System.nanoTime() - t0) / 1e9);
    browser.go(origin + "/#/jobs/" + small.id());
    browser.await(20, d -> badge().equals("succeeded"));
    browser.await(20, d -> browser.all("[data-testid=checkpoint-model]").size() == 3);
    String model = done.fineTunedModel().orElseThrow();
    assertThat(browser.all("[data-testid=checkpoint-model]").getFirst().getText()).isEqualTo(model);
    assertThat(browser.all("[data-testid=checkpoint-model]").get(1).getText())
        .endsWith(":ckpt-step-8");
    assertThat(chartPoints()).isEqualTo(12);
    assertThat(browser.find("[data-testid=full-valid]").getText()).startsWith("loss ");
    assertThat(browser.find("#job-ft-model").getText()).isEqualTo(model);
    assertThat(browser.find("#job-open-playground").getDomAttribute("href"))
        .isEqualTo("#/playground?models=tinystories-656k," + model);
    assertThat(browser.find("[data-testid=hp-n_epochs]").getText()).isEqualTo("3");
    assertThat(browser.find("[data-testid=hp-batch_size]").getText()).isEqualTo("4");
    browser.await(
        10,
        d -> browser.find("[data-testid=result-download]").getText().contains("step_metrics.csv"));
    assertThat(browser.find("#job-events").getText())
        .contains("The job has successfully completed");
    browser.screenshot("job");
    browser.js("document.getElementById('job-events-h').scrollIntoView();");
    browser.screenshot("job-events-details");
    browser.driver.manage().window().setSize(new Dimension(420, 900));
    browser.go(origin + "/#/jobs/" + job.id());
    browser.await(10, d -> chartPoints() > paused);
    assertThat((Boolean) browser.js("return document.documentElement.scrollWidth <= 420;"))
        .as("nothing but the tables' own wrappers scrolls sideways at 420 px")
        .isTrue();
    browser.js("document.getElementById('job-metrics-h').scrollIntoView();");
    browser.screenshot("job-narrow");
    browser.assertNoConsoleErrors();

    // the list: the three jobs with their statuses, links to their pages
    browser.driver.manage().window().setSize(new Dimension(1280, 900));
    browser.go(origin + "/#/jobs");
    browser.await(10, d -> browser.all("#jobs-rows tr").size() >= 3);
    assertThat(browser.find("tr[data-job='" + job.id() + "'] .badge").getText())
        .isEqualTo("cancelled");
    assertThat(browser.find("tr[data-job='" + small.id() + "'] .badge").getText())
        .isEqualTo("succeeded");
    assertThat(browser.find("tr[data-job='" + queued.id() + "'] .badge").getText())
        .isEqualTo("cancelled");
    assertThat(browser.find("tr[data-job='" + small.id() + "']").getText()).contains(model);
    browser.screenshot("jobs");
    browser.driver.manage().window().setSize(new Dimension(420, 900));
    browser.await(5, d -> (Boolean) browser.js("return innerWidth <= 420;"));
    assertThat((Boolean) browser.js("return document.documentElement.scrollWidth <= 420;"))
        .as("the jobs table scrolls inside its wrapper at 420 px")
        .isTrue();
    browser.screenshot("jobs-narrow");
    browser.assertNoConsoleErrors();
  }

  @Test
  void anEarlyStoppedJobShowsItsBestCheckpointAndLinksItsLineageManifest() throws Exception {
    String noise = upload(dev.lathe.testkit.ChatFiles.noise(10, 3));
    String stories = upload(dev.lathe.testkit.ChatFiles.STORIES);
    FineTuningJob created =
        client
            .fineTuning()
            .jobs()
            .create(
                EarlyStoppingJobTest.request(
                        noise, stories, java.util.Map.of("early_stopping_patience", 2))
                    .suffix("early")
                    .build());
    FineTuningJob job =
        new JobWatch(client)
            .await(created.id(), j -> j.status().asString().matches("succeeded|failed"));
    assertThat(job.status().asString()).as("error: %s", job.error()).isEqualTo("succeeded");
    long best =
        ((Number) job._additionalProperties().get("lathe_best_step").asNumber().orElseThrow())
            .longValue();
    String lineage =
        job._additionalProperties().get("lathe_lineage").asString().orElseThrow().toString();
    browser.go(origin + "/#/jobs/" + job.id());
    browser.await(20, d -> badge().equals("succeeded"));
    browser.await(
        20, d -> browser.find("[data-testid=job-best-step]").getText().contains("stopped early"));
    assertThat(browser.find("[data-testid=job-best-step]").getText())
        .isEqualTo(
            "step "
                + best
                + " · the lowest whole-validation loss; the fine-tuned model is this checkpoint"
                + " (training stopped early)");
    browser.await(10, d -> browser.all("[data-testid=checkpoint-best]").size() == 1);
    assertThat(
            browser
                .find("[data-testid=checkpoint-best]")
                .findElement(org.openqa.selenium.By.xpath("ancestor::tr"))
                .getDomAttribute("data-step"))
        .isEqualTo(String.valueOf(best));
    assertThat(browser.find("[data-testid=job-lineage-link]").getDomAttribute("href"))
        .isEqualTo("#/files/" + lineage);
    browser.await(
        10,
        d ->
            browser
                .find("[data-testid=job-lineage] [data-testid=result-download]")
                .getText()
                .contains("lineage.json"));
    browser.js("document.getElementById('job-details-h').scrollIntoView();");
    browser.screenshot("job-early-stopped");
    // the manifest's own page
    browser.find("[data-testid=job-lineage-link]").click();
    browser.await(10, d -> browser.driver.getCurrentUrl().endsWith("#/files/" + lineage));
    browser.await(
        10,
        d -> browser.find("[data-testid=file-content]").getText().contains("\"template_sha256\""));
    assertThat(browser.find("[data-testid=file-content]").getText())
        .contains("\"early_stopping_patience\": 2");
    browser.assertNoConsoleErrors();
  }

  @Test
  void aJobFailedByABadTrainingFileShowsItsError() {
    String bad =
        upload(
            FineTuningJobsTest.line("dog")
                + "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n"
                + FineTuningJobsTest.line("cat").repeat(10));
    FineTuningJob job =
        client
            .fineTuning()
            .jobs()
            .create(JobCreateParams.builder().model("tinystories-656k").trainingFile(bad).build());
    browser.go(origin + "/#/jobs/" + job.id());
    String error = browser.find("[data-testid=job-error]").getText();
    assertThat(error)
        .contains("The job failed due to an invalid training file. Line 2: ")
        .contains("code: invalid_training_file")
        .contains("param: training_file");
    assertThat(badge()).isEqualTo("failed");
    assertThat(browser.find("#job-cancel").isEnabled()).isFalse();
    browser.go(origin + "/#/jobs");
    browser.find("#jobs-filter");
    browser.js(
        "const s = document.getElementById('jobs-filter'); s.value = 'failed';"
            + " s.dispatchEvent(new Event('change'));");
    browser.await(5, d -> browser.all("#jobs-rows tr").size() == 1);
    assertThat(browser.find("#jobs-rows tr").getDomAttribute("data-job")).isEqualTo(job.id());
    browser.assertNoConsoleErrors();
  }

  @Test
  void aDpoJobChartsItsRewards() throws Exception {
    List<String> pairs =
        Files.readAllLines(
                SharedAssets.require("datasets/real/dpo-orca_dpo_pairs-validation.jsonl"))
            .subList(0, 10);
    String file = upload(String.join("\n", pairs) + "\n");
    FineTuningJob job =
        client
            .fineTuning()
            .jobs()
            .create(
                JobCreateParams.builder()
                    .model("tinystories-656k")
                    .trainingFile(file)
                    .suffix("dpo")
                    .seed(3)
                    .method(
                        JobCreateParams.Method.builder()
                            .type(JobCreateParams.Method.Type.DPO)
                            .dpo(
                                DpoMethod.builder()
                                    .hyperparameters(
                                        DpoHyperparameters.builder()
                                            .nEpochs(1L)
                                            .batchSize(2L)
                                            .beta(0.2)
                                            .build())
                                    .build())
                            .build())
                    .build());
    FineTuningJob done =
        new JobWatch(client)
            .await(job.id(), j -> j.status().asString().matches("succeeded|failed"));
    assertThat(done.status().asString()).as("%s", done.error()).isEqualTo("succeeded");
    browser.go(origin + "/#/jobs/" + job.id());
    browser.await(20, d -> badge().equals("succeeded"));
    String steps = String.valueOf(new JobWatch(client).steps(job.id()).size());
    browser.find("#chart-rewards");
    browser.await(
        10, d -> steps.equals(browser.find("#chart-rewards").getDomAttribute("data-points")));
    assertThat(browser.find("#chart-reward-accuracy").getDomAttribute("data-points"))
        .isEqualTo(steps);
    assertThat(browser.find("[data-testid=job-method]").getText()).isEqualTo("dpo");
    assertThat(browser.find("[data-testid=hp-beta]").getText()).isEqualTo("0.2");
    browser.screenshot("job-dpo");
    browser.assertNoConsoleErrors();
  }
}
