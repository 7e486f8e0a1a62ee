package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import com.openai.models.finetuning.jobs.checkpoints.FineTuningJobCheckpoint;
import com.openai.models.models.Model;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The Models page after a real job (TinyStories-656K, 3 epochs, so two checkpoint models besides
 * the final one): the lineage base -> ft: model -> its checkpoints with the job that made them;
 * bases have no delete; deleting the fine-tune goes through the confirmation to the API; a delete
 * the API refuses (the model is already gone) shows the API's message next to its button.
 */
class DashboardModelsTest {
  @TempDir Path dataDir;

  @Test
  void theLineageShowsBaseFineTuneAndCheckpointsAndAFineTuneCanBeDeleted() throws Exception {
    try (TestServer server = TestServer.withRealClock(dataDir, 1);
        Browser browser = Browser.open(1280, 900)) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      String train =
          DashboardCompareTest.upload(client, "animals.jsonl", DashboardCompareTest.trainingText());
      FineTuningJob created =
          client
              .fineTuning()
              .jobs()
              .create(
                  JobCreateParams.builder()
                      .model("tinystories-656k")
                      .trainingFile(train)
                      .suffix("zoo")
                      .hyperparameters(
                          JobCreateParams.Hyperparameters.builder()
                              .nEpochs(3L)
                              .batchSize(4L)
                              .build())
                      .build());
      FineTuningJob job =
          new JobWatch(client).await(created.id(), j -> j.status().asString().equals("succeeded"));
      String ft = job.fineTunedModel().orElseThrow();

      String origin = "http://127.0.0.1:" + server.server.port();
      browser.useKey(origin, TestServer.KEY_A);
      browser.go(origin + "/#/models");
      WebElement base = browser.find("li[data-model='tinystories-656k'][data-kind='base']");
      WebElement fine = base.findElement(By.cssSelector("li[data-kind='ft']"));
      assertThat(fine.getDomAttribute("data-model")).isEqualTo(ft);
      assertThat(fine.findElement(By.cssSelector("[data-testid=model-job]")).getText())
          .isEqualTo(job.id());
      List<String> checkpoints =
          fine.findElements(By.cssSelector("li[data-kind='checkpoint']")).stream()
              .map(e -> e.getDomAttribute("data-model"))
              .toList();
      List<String> expected =
          client.fineTuning().jobs().checkpoints().list(job.id()).data().stream()
              .map(FineTuningJobCheckpoint::fineTunedModelCheckpoint)
              .filter(name -> !name.equals(ft))
              .toList();
      assertThat(expected)
          .hasSize(2)
          .anyMatch(n -> n.endsWith(":ckpt-step-4"))
          .anyMatch(n -> n.endsWith(":ckpt-step-8"));
      assertThat(checkpoints).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(base.findElements(By.cssSelector(":scope > .node [data-testid=model-delete]")))
          .as("a base has no delete")
          .isEmpty();
      assertThat(browser.all("li[data-model='stories260k'] [data-testid=model-delete]")).isEmpty();
      browser.screenshot("models");

      // the API refuses a delete of a model already gone: its message shows beside the button
      String gone = expected.stream().filter(n -> n.endsWith(":ckpt-step-4")).findFirst().get();
      String kept = expected.stream().filter(n -> n.endsWith(":ckpt-step-8")).findFirst().get();
      client.models().delete(gone);
      browser.find("li[data-model='" + gone + "'] [data-testid=model-delete]").click();
      browser.find("#confirm-yes").click();
      browser.await(
          10, d -> !browser.find("li[data-model='" + gone + "'] .field-error").getText().isBlank());
      assertThat(browser.find("li[data-model='" + gone + "'] .field-error").getText())
          .contains(gone);
      browser.assertOnlyHttpErrors(404);

      // the fine-tune itself: confirmed, deleted through the API, marked deleted in the tree
      browser.find("li[data-model='" + ft + "'] > .node [data-testid=model-delete]").click();
      browser.find("#confirm-yes").click();
      browser.await(
          10,
          d ->
              !browser
                  .all("li[data-model='" + ft + "'] > .node [data-testid=model-deleted]")
                  .isEmpty());
      assertThat(client.models().list().data().stream().map(Model::id).toList())
          .doesNotContain(ft)
          .contains(kept);
      assertThat(browser.all("li[data-model='" + ft + "'] > .node [data-testid=model-delete]"))
          .isEmpty();
      assertThat(browser.find("#models-summary").getText()).isEqualTo("Deleted " + ft + ".");
      browser.assertNoConsoleErrors();
    }
  }
}
