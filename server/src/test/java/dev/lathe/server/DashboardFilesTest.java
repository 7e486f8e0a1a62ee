package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.files.FileListParams;
import com.openai.models.files.FileObject;
import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.Issue;
import dev.lathe.dataset.ValidationReport;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;

/**
 * The Files page in a real browser against a real server: uploads through the page's file input (a
 * good file, a multi-MB file whose progress bar reaches 100%), the list and its purpose filter, and
 * delete with confirmation, checked through the API as well.
 */
class DashboardFilesTest {
  @TempDir static Path dir;
  static TestServer server;
  static OpenAIClient client;
  static Browser browser;
  static String origin;

  @BeforeAll
  static void start() throws IOException {
    server = new TestServer(dir.resolve("data"));
    client = server.client(TestServer.KEY_A);
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

  static String chatLine(String q, String a) {
    return "{\"messages\":[{\"role\":\"user\",\"content\":\""
        + q
        + "\"},{\"role\":\"assistant\",\"content\":\""
        + a
        + "\"}]}\n";
  }

  /** Uploads {@code file} through the page's input with {@code purpose}; returns the new id. */
  static String uploadThroughPage(Path file, String purpose) {
    browser.go(origin + "/#/files");
    browser.find("#files-list table, #files-empty");
    browser.js(
        "const s = document.getElementById('upload-purpose'); s.value = arguments[0];"
            + " s.dispatchEvent(new Event('change'));",
        purpose);
    String before = browser.find("#upload-status").getAttribute("data-file-id");
    browser.find("#upload-input").sendKeys(file.toAbsolutePath().toString());
    return browser.await(
        60,
        d -> {
          String now = browser.find("#upload-status").getAttribute("data-file-id");
          return now == null || now.equals(before) ? null : now;
        });
  }

  @Test
  void uploadListFilterAndDelete() throws IOException {
    Path good = dir.resolve("animals.jsonl");
    Files.writeString(
        good, chatLine("What does the dog say?", "Woof!") + chatLine("And the cat?", "Meow."));
    String id = uploadThroughPage(good, "fine-tune");
    assertThat(client.files().retrieve(id).filename()).isEqualTo("animals.jsonl");
    WebElement row = browser.find("tr[data-file-id='" + id + "']");
    assertThat(row.getText()).contains("animals.jsonl", id, "fine-tune", "processed");
    assertThat(row.findElement(By.cssSelector("a.file-link")).getAttribute("href"))
        .endsWith("#/files/" + id);

    Path notes = dir.resolve("notes.txt");
    Files.writeString(notes, "not a dataset\n");
    String other = uploadThroughPage(notes, "user_data");
    browser.find("tr[data-file-id='" + other + "']");
    assertThat(browser.all("tr[data-file-id='" + other + "'] a.file-link")).isEmpty();

    browser.js(
        "const s = document.getElementById('files-filter'); s.value = 'user_data';"
            + " s.dispatchEvent(new Event('change'));");
    browser.await(10, d -> browser.all("tr[data-file-id='" + id + "']").isEmpty());
    assertThat(browser.all("tr[data-file-id='" + other + "']")).hasSize(1);
    browser.js(
        "const s = document.getElementById('files-filter'); s.value = '';"
            + " s.dispatchEvent(new Event('change'));");
    browser.find("tr[data-file-id='" + id + "']");

    // a file dropped on the drop zone is uploaded like a chosen one
    String before = browser.find("#upload-status").getAttribute("data-file-id");
    browser.js(
        "const dt = new DataTransfer();"
            + " dt.items.add(new File([arguments[0]], 'dropped.jsonl'));"
            + " document.getElementById('upload-drop').dispatchEvent("
            + "new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));",
        chatLine("Dropped?", "Yes."));
    String dropped =
        browser.await(
            30,
            d -> {
              String now = browser.find("#upload-status").getAttribute("data-file-id");
              return now == null || now.equals(before) ? null : now;
            });
    assertThat(client.files().retrieve(dropped).filename()).isEqualTo("dropped.jsonl");
    browser.find("tr[data-file-id='" + dropped + "']");
    browser.screenshot("files");
    browser.driver.manage().window().setSize(new Dimension(420, 900));
    browser.await(10, d -> (Long) browser.js("return window.innerWidth;") <= 420);
    assertThat((Boolean) browser.js("return document.documentElement.scrollWidth <= 420;"))
        .as("no horizontal scrolling at 420 px")
        .isTrue();
    browser.screenshot("files-narrow");
    browser.driver.manage().window().setSize(new Dimension(1280, 900));

    browser.find("button[data-delete='" + other + "']").click();
    browser.find("#confirm-dialog[open]");
    assertThat(browser.find("#confirm-text").getText()).contains(other);
    browser.find("#confirm-no").click();
    assertThat(browser.all("tr[data-file-id='" + other + "']")).hasSize(1);
    browser.find("button[data-delete='" + other + "']").click();
    browser.find("#confirm-dialog[open]");
    browser.find("#confirm-yes").click();
    browser.await(10, d -> browser.all("tr[data-file-id='" + other + "']").isEmpty());
    assertThat(
            client.files().list(FileListParams.builder().build()).data().stream()
                .map(FileObject::id))
        .contains(id)
        .doesNotContain(other);
    browser.assertNoConsoleErrors();
  }

  @Test
  void aFilesPageShowsEveryProblemOfItsReport() throws IOException {
    Path good = dir.resolve("good.jsonl");
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      lines.append(chatLine("What is " + i + " + 1?", "It is " + (i + 1) + "."));
    }
    Files.writeString(good, lines);
    String goodId = uploadThroughPage(good, "fine-tune");
    browser.find("tr[data-file-id='" + goodId + "'] a.file-link").click();
    WebElement clean = browser.find("#report");
    assertThat(clean.getAttribute("data-errors")).isEqualTo("0");
    assertThat(browser.find("#report-summary [data-key='examples']").getText()).isEqualTo("10");
    assertThat(browser.find("#report-summary [data-key='format']").getText()).isEqualTo("chat");

    Path bad = dir.resolve("bad.jsonl");
    Files.writeString(
        bad,
        chatLine("Fine?", "Yes.")
            + "{\"messages\": [{\"role\": \"user\", \"content\": \"no answer\"}]}\n"
            + "this is not json\n"
            + "{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},"
            + "{\"role\":\"assistant\",\"content\":\"a\",\"weight\":2}]}\n"
            + "{\"messages\":[{\"role\":\"wizard\",\"content\":\"q\"},"
            + "{\"role\":\"assistant\",\"content\":\"a\"}]}\n"
            + "{\"messages\":[{\"role\":\"user\"},{\"role\":\"assistant\",\"content\":\"a\"}]}\n"
            + chatLine("Again?", "Sure."));
    ValidationReport expected = new DatasetValidator().validate(bad);
    assertThat(expected.errors()).isGreaterThanOrEqualTo(5);
    String badId = uploadThroughPage(bad, "fine-tune");
    browser.go(origin + "/#/files/" + badId);
    WebElement report = browser.find("#report");
    assertThat(report.getAttribute("data-errors")).isEqualTo(Long.toString(expected.errors()));
    assertThat(browser.find("#report-summary [data-key='valid_examples']").getText())
        .isEqualTo(Long.toString(expected.validExamples()));
    List<WebElement> rows = browser.all("#report-problems tr.problem");
    assertThat(rows).hasSize(expected.issues().size());
    for (Issue issue : expected.issues()) {
      String css =
          "#report-problems tr.problem[data-line='"
              + issue.line()
              + "'][data-code='"
              + issue.code().code()
              + "'][data-path='"
              + (issue.path() == null ? "" : issue.path())
              + "']";
      assertThat(browser.all(css)).as(issue.toString()).hasSize(1);
      WebElement row = browser.find(css);
      assertThat(row.getText())
          .contains(issue.line() == 0 ? "file" : Long.toString(issue.line()))
          .contains(issue.code().code())
          .contains(issue.message());
      if (issue.path() != null) {
        assertThat(row.getText()).contains(issue.path());
      }
    }
    // errors first
    List<String> severities = rows.stream().map(r -> r.getAttribute("data-severity")).toList();
    assertThat(severities)
        .isSortedAccordingTo(java.util.Comparator.comparing(v -> !v.equals("error")));
    browser.js("document.getElementById('report-title').scrollIntoView();");
    browser.screenshot("file-report");
    browser.assertNoConsoleErrors();
  }

  @Test
  void aMultiMegabyteUploadFillsTheProgressBar() throws IOException {
    Path big = dir.resolve("big.jsonl");
    try (Writer w = Files.newBufferedWriter(big, StandardCharsets.UTF_8)) {
      String padding = "x".repeat(900);
      for (int i = 0; i < 8_000; i++) {
        w.write(chatLine("Question " + i + " " + padding, "Answer " + i));
      }
    }
    long size = Files.size(big);
    assertThat(size).isGreaterThan(7_000_000);
    String id = uploadThroughPage(big, "user_data");
    WebElement bar = browser.find("#upload-progress");
    assertThat(bar.getAttribute("data-percent")).isEqualTo("100");
    assertThat(bar.getAttribute("value")).isEqualTo("100");
    assertThat(client.files().retrieve(id).bytes()).isEqualTo(size);
    browser.find("tr[data-file-id='" + id + "']");
    browser.assertNoConsoleErrors();
  }
}
