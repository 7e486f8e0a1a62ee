package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;

/**
 * The Playground compares a base model with its fine-tune: a tiny LoRA job on TinyStories-656K
 * makes the {@code ft:} model, the page (preselected from {@code ?models=}) streams one user turn
 * into both columns at once with their time to first token and token counts, a second turn
 * continues each column's own conversation, and a third column with an unknown model shows its
 * error in that column only.
 */
class DashboardPlaygroundTest {
  static final String BASE = "tinystories-656k";
  static final String UNKNOWN = "no-such-model";

  @TempDir Path dir;

  /** A succeeded one-step job's {@code ft:} model. */
  static String fineTune(OpenAIClient client) throws InterruptedException {
    String file = TrainingFiles.uploadAnimals(client);
    FineTuningJob job =
        client
            .fineTuning()
            .jobs()
            .create(
                JobCreateParams.builder()
                    .model(BASE)
                    .trainingFile(file)
                    .suffix("playground")
                    .seed(7)
                    .hyperparameters(
                        JobCreateParams.Hyperparameters.builder()
                            .nEpochs(1)
                            .batchSize(10)
                            .learningRateMultiplier(10.0)
                            .build())
                    .build());
    FineTuningJob done =
        new JobWatch(client)
            .await(
                job.id(),
                j ->
                    Set.of(
                            FineTuningJob.Status.SUCCEEDED,
                            FineTuningJob.Status.FAILED,
                            FineTuningJob.Status.CANCELLED)
                        .contains(j.status()));
    assertThat(done.status()).isEqualTo(FineTuningJob.Status.SUCCEEDED);
    return done.fineTunedModel().orElseThrow();
  }

  @Test
  void comparesABaseWithItsFineTuneOverTwoTurns() throws Exception {
    try (TestServer server =
            new TestServer(dir, ServerConfig.DEFAULT_UPLOAD_LIMIT, 1, TestDatabase.SQLITE);
        Browser browser = Browser.open(1280, 1000)) {
      String ft = fineTune(server.client(TestServer.KEY_A));
      String origin = "http://127.0.0.1:" + server.server.port();
      browser.useKey(origin, TestServer.KEY_A);
      browser.go(origin + "/#/playground?models=" + BASE + "," + ft + "," + UNKNOWN);
      assertThat(browser.find("#pg-model-0").getAttribute("value")).isEqualTo(BASE);
      assertThat(browser.find("#pg-model-1").getAttribute("value")).isEqualTo(ft);
      assertThat(browser.find("#pg-model-2").getAttribute("value")).isEqualTo(UNKNOWN);
      browser.js("document.getElementById('pg-max-tokens').value = '24';");
      browser.js("document.getElementById('pg-seed').value = '3';");
      browser.find("#pg-system").sendKeys("You tell short stories.");

      browser.find("#pg-message").sendKeys("What does the dog say?");
      browser.find("#pg-send").click();
      int[] firstPrompt = awaitTurn(browser, 0);
      WebElement error = browser.find("[data-column='2'] .pg-turn.assistant[data-turn='0']");
      browser.await(20, d -> error.getAttribute("data-error") != null);
      assertThat(error.getText()).contains(UNKNOWN);
      browser.assertOnlyHttpErrors(404, 400);

      browser.find("#pg-message").sendKeys("And the cat?");
      browser.find("#pg-send").click();
      int[] secondPrompt = awaitTurn(browser, 1);
      for (int column = 0; column < 2; column++) {
        // the second request holds the first turn and that column's own first answer
        assertThat(secondPrompt[column]).isGreaterThan(firstPrompt[column]);
        assertThat(browser.all("[data-column='" + column + "'] .pg-turn.user")).hasSize(2);
      }
      browser.assertOnlyHttpErrors(404, 400);
      browser.screenshot("playground");
      browser.driver.manage().window().setSize(new Dimension(420, 900));
      browser.await(10, d -> (Long) browser.js("return window.innerWidth;") <= 420);
      assertThat((Boolean) browser.js("return document.documentElement.scrollWidth <= 420;"))
          .as("no horizontal scrolling at 420 px")
          .isTrue();
      browser.screenshot("playground-narrow");

      browser.find("#pg-clear").click();
      browser.await(5, d -> browser.all(".pg-turn").isEmpty());
      browser.assertNoConsoleErrors();
    }
  }

  /**
   * Waits for both model columns to finish {@code turn} and checks their text and statistics;
   * returns each column's prompt token count.
   */
  static int[] awaitTurn(Browser browser, int turn) {
    int[] prompts = new int[2];
    for (int column = 0; column < 2; column++) {
      String box = "[data-column='" + column + "'] .pg-turn.assistant[data-turn='" + turn + "']";
      WebElement answer = browser.find(box);
      browser.await(60, d -> answer.getAttribute("data-done") != null);
      assertThat(answer.findElement(By.cssSelector(".answer")).getText()).isNotBlank();
      assertThat(answer.findElement(By.cssSelector("[data-stat='ttft']")).getText())
          .matches("TTFT \\d+ ms");
      String completion =
          answer.findElement(By.cssSelector("[data-stat='completion'] strong")).getText();
      assertThat(Integer.parseInt(completion.replace(",", ""))).isPositive();
      prompts[column] =
          Integer.parseInt(
              answer
                  .findElement(By.cssSelector("[data-stat='prompt'] strong"))
                  .getText()
                  .replace(",", ""));
      assertThat(prompts[column]).isPositive();
    }
    return prompts;
  }
}
