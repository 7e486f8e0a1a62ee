package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import dev.lathe.dataset.DatasetFormat;
import dev.lathe.finetune.ExampleRenderer;
import dev.lathe.finetune.TrainingExample;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.transformer.ModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Dimension;

/**
 * The masking preview on a file's page counts exactly what training trains: for examples of the
 * shared multi-turn file with a weight-0 assistant turn, the page's trained and ignored counts (and
 * its highlighted tokens) equal those of the {@link TrainingExample} the fine-tuning code renders
 * for the same line and base, with a renderer built as {@code FineTuneJob} builds it (the base's
 * tokenizer, its template or the plain one, the model's context length). stories260k, a llama2.c
 * checkpoint that can be served but not fine-tuned, gets the API's refusal next to the model field.
 */
class DashboardMaskingPreviewTest {
  static final String MODEL = "tinystories-656k";
  static final String DATASET = "datasets/seed-examples/marv-multiturn-weighted.jsonl";

  @TempDir Path dir;

  @Test
  void theCountsAreTheTrainingCodesCounts() throws Exception {
    Path data = SharedAssets.require(DATASET);
    List<String> lines = Files.readAllLines(data);
    Path modelDir = SharedAssets.require("models/hf-TinyStories-656K");
    int context = ModelLoader.load(modelDir).config().contextLength();
    ObjectMapper json = new ObjectMapper();
    try (TestServer server = new TestServer(dir);
        Browser browser = Browser.open(1280, 1000);
        HfTokenizer tokenizer = HfTokenizer.load(modelDir)) {
      ExampleRenderer renderer = ExampleRenderer.forTokenizer(tokenizer, context);
      OpenAIClient client = server.client(TestServer.KEY_A);
      String file =
          client
              .files()
              .create(
                  FileCreateParams.builder()
                      .file(Files.readAllBytes(data))
                      .purpose(FilePurpose.FINE_TUNE)
                      .build())
              .id();
      String origin = "http://127.0.0.1:" + server.server.port();
      browser.useKey(origin, TestServer.KEY_A);
      for (int line : new int[] {1, 3}) {
        JsonNode example = json.readTree(lines.get(line - 1));
        assertThat(example.toString()).contains("\"weight\":0");
        TrainingExample expected = renderer.render(line, DatasetFormat.CHAT, example);
        int trained = expected.trainedTokens();
        int total = expected.length() + 1; // the inputs and the last target: the whole sequence

        browser.go(origin + "/#/files/" + file + "?model=" + MODEL + "&line=" + line);
        browser.await(30, d -> !browser.all(".mp-preview[data-line='" + line + "']").isEmpty());
        assertThat(count(browser, "trained")).isEqualTo(trained);
        assertThat(count(browser, "total")).isEqualTo(total);
        assertThat(count(browser, "ignored")).isEqualTo(total - trained);
        assertThat(count(browser, "ignored-assistant_weight_0")).isPositive();
        assertThat(browser.all("#mp-tokens .tok[data-trained='true']")).hasSize(trained);
        assertThat(browser.all("#mp-tokens .tok")).hasSize(total);
        // the legend names every kind of ignored token shown, and each token says its role
        assertThat(browser.find(".mp-legend").getText()).contains("trained", "weight 0");
        assertThat(browser.find("#mp-tokens .tok").getAttribute("title")).contains("id ");
      }
      // stories260k is a llama2.c checkpoint: served, never trained; the refusal sits at the model
      browser.go(origin + "/#/files/" + file + "?model=stories260k&line=1");
      Object refusal =
          browser.await(
              30,
              d ->
                  browser.js(
                      "const e = document.querySelector(\"[data-param='model']"
                          + " [data-error-for='model']\"); return e ? e.textContent : null;"));
      assertThat(refusal.toString()).contains("stories260k", "fine-tuned");
      browser.assertOnlyHttpErrors(400);
      browser.go(origin + "/#/files/" + file + "?model=" + MODEL + "&line=3");
      browser.find(".mp-preview[data-line='3']");
      browser.js("document.getElementById('mp-title').scrollIntoView();");
      browser.screenshot("masking-preview");
      browser.driver.manage().window().setSize(new Dimension(420, 900));
      browser.await(10, d -> (Long) browser.js("return window.innerWidth;") <= 420);
      assertThat((Boolean) browser.js("return document.documentElement.scrollWidth <= 420;"))
          .as("no horizontal scrolling at 420 px")
          .isTrue();
      browser.js("document.getElementById('mp-counts').scrollIntoView();");
      browser.screenshot("masking-preview-narrow");
      browser.assertNoConsoleErrors();
    }
  }

  static int count(Browser browser, String key) {
    return Integer.parseInt(
        browser.find("#mp-counts [data-count='" + key + "']").getText().replace(",", ""));
  }
}
