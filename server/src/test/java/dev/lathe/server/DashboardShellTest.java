package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's shell: served at {@code /} without a key, and asks for one in the browser. */
class DashboardShellTest {
  @TempDir Path dir;

  @Test
  void assetsAreServedWithoutAKeyAndV1StillNeedsOne() throws Exception {
    try (TestServer server = new TestServer(dir)) {
      String origin = "http://127.0.0.1:" + server.server.port();
      HttpClient http = HttpClient.newHttpClient();
      for (String path : new String[] {"/", "/js/app.js", "/css/app.css", "/vendor/uplot.min.js"}) {
        HttpResponse<String> res =
            http.send(
                HttpRequest.newBuilder(URI.create(origin + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).as(path).isEqualTo(200);
      }
      HttpResponse<String> models =
          http.send(
              HttpRequest.newBuilder(URI.create(origin + "/v1/models")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(models.statusCode()).isEqualTo(401);
    }
  }

  @Test
  void theKeyDialogAcceptsAProjectKey() throws Exception {
    try (TestServer server = new TestServer(dir);
        Browser browser = Browser.open(1280, 800)) {
      String origin = "http://127.0.0.1:" + server.server.port();
      browser.go(origin + "/#/jobs");
      browser.find("#key-dialog[open]");
      browser.find("#key-input").sendKeys("sk-wrong-key-0000");
      browser.find("#key-save").click();
      browser.await(10, d -> !browser.find("#key-error").getText().isBlank());
      assertThat(browser.find("#key-error").getText()).contains("Incorrect API key");
      browser.find("#key-input").clear();
      browser.find("#key-input").sendKeys(TestServer.KEY_A);
      browser.find("#key-save").click();
      browser.find("#sign-out");
      assertThat(browser.driver.getCurrentUrl()).doesNotContain(TestServer.KEY_A);
      browser.screenshot("shell-after-key");
      browser.assertOnlyHttpErrors(401); // the wrong key, and the first look without one
      browser.assertNoConsoleErrors();
    }
  }

  @Test
  void everyPageLoadsOnlyFromItsOwnOrigin() throws Exception {
    try (TestServer server = new TestServer(dir);
        Browser browser = Browser.open(1280, 800)) {
      String origin = "http://127.0.0.1:" + server.server.port();
      browser.useKey(origin, TestServer.KEY_A);
      for (String page :
          new String[] {"jobs", "new", "files", "playground", "compare", "models", "nowhere"}) {
        browser.go(origin + "/#/" + page);
        browser.await(20, d -> browser.js("return document.querySelector('#view h1') !== null"));
        @SuppressWarnings("unchecked")
        java.util.List<String> resources =
            (java.util.List<String>)
                browser.js(
                    "return performance.getEntriesByType('resource').map(e => e.name)"
                        + ".concat([document.location.href]);");
        assertThat(resources).as(page).allSatisfy(url -> assertThat(url).startsWith(origin + "/"));
      }
      browser.assertNoConsoleErrors();
    }
  }

  @Test
  void theNavigationAndTheConfirmationWorkFromTheKeyboard() throws Exception {
    try (TestServer server = new TestServer(dir);
        Browser browser = Browser.open(1280, 800)) {
      String origin = "http://127.0.0.1:" + server.server.port();
      browser.useKey(origin, TestServer.KEY_A);
      browser.go(origin + "/#/jobs");
      browser.find("#view h1");
      // Tab from the top of the page reaches the skip link, the brand and every page's link
      java.util.List<String> focused = new java.util.ArrayList<>();
      for (int i = 0; i < 9; i++) {
        new org.openqa.selenium.interactions.Actions(browser.driver)
            .sendKeys(org.openqa.selenium.Keys.TAB)
            .perform();
        focused.add((String) browser.js("return document.activeElement.textContent.trim();"));
      }
      assertThat(focused)
          .containsSubsequence(
              "Skip to content",
              "Jobs",
              "New job",
              "Files",
              "Playground",
              "Compare jobs",
              "Models");
      // Enter on the focused "Models" link opens that page
      while (!"Models".equals(browser.js("return document.activeElement.textContent.trim();"))) {
        new org.openqa.selenium.interactions.Actions(browser.driver)
            .keyDown(org.openqa.selenium.Keys.SHIFT)
            .sendKeys(org.openqa.selenium.Keys.TAB)
            .keyUp(org.openqa.selenium.Keys.SHIFT)
            .perform();
      }
      new org.openqa.selenium.interactions.Actions(browser.driver)
          .sendKeys(org.openqa.selenium.Keys.ENTER)
          .perform();
      browser.await(10, d -> d.getCurrentUrl().endsWith("#/models"));
      // the confirmation dialog answers Escape as "keep it"
      assertThat(
              browser.js(
                  "window.__answer = 'none';"
                      + " import('/js/ui.js').then(m => m.confirmAction('Delete?', 'Sure?')"
                      + ".then(a => { window.__answer = String(a); }));"
                      + " return true;"))
          .isEqualTo(true);
      browser.find("#confirm-dialog[open]");
      new org.openqa.selenium.interactions.Actions(browser.driver)
          .sendKeys(org.openqa.selenium.Keys.ESCAPE)
          .perform();
      browser.await(10, d -> "false".equals(browser.js("return window.__answer;")));
      browser.assertNoConsoleErrors();
    }
  }
}
