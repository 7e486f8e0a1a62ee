package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.logging.Level;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium (Debian's {@code chromium} and {@code chromium-driver} packages, never a
 * downloaded browser) driven by Selenium, for the dashboard's end-to-end tests.
 *
 * <p>Without the packages the tests skip, saying so, unless {@code LATHE_REQUIRE_BROWSER=1} (set by
 * CI, which installs them), where they fail. Screenshots go to {@code
 * target/dashboard-screenshots/}. {@link #assertNoConsoleErrors()} fails on any SEVERE console
 * entry the page logged.
 */
final class Browser implements AutoCloseable {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final Path SCREENSHOTS = Path.of("target", "dashboard-screenshots");

  final ChromeDriver driver;
  private final Path profile;

  private Browser(ChromeDriver driver, Path profile) {
    this.driver = driver;
    this.profile = profile;
  }

  /** A headless browser with a fresh profile, {@code width}×{@code height} CSS pixels. */
  static Browser open(int width, int height) throws IOException {
    boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    if (!present) {
      String why =
          "Debian's chromium and chromium-driver are not installed (apt-get install chromium"
              + " chromium-driver); .ci/run installs them";
      if ("1".equals(System.getenv("LATHE_REQUIRE_BROWSER"))) {
        throw new IllegalStateException(why + ", and LATHE_REQUIRE_BROWSER=1 forbids skipping");
      }
      Assumptions.abort(why);
    }
    // no Selenium Manager: the driver and the browser are the system's own
    System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
    Path profile = Files.createTempDirectory("lathe-chromium-");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--user-data-dir=" + profile,
        "--window-size=" + width + "," + height);
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability("goog:loggingPrefs", logs);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
    return new Browser(driver, profile);
  }

  /** Opens {@code url} (e.g. {@code http://127.0.0.1:PORT/#/jobs}). */
  Browser go(String url) {
    driver.get(url);
    return this;
  }

  /**
   * Stores {@code key} in the tab's session storage (as the key dialog would), from a page of the
   * origin that is not the dashboard (which would ask for a key at once); the next {@link #go}
   * loads the dashboard with it.
   */
  Browser useKey(String origin, String key) {
    driver.get(origin + "/vendor/uplot.LICENSE");
    js("sessionStorage.setItem('lathe.apiKey', arguments[0]);", key);
    return this;
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** Waits (up to {@code seconds}) until {@code condition} gives a non-null, non-false value. */
  <T> T await(int seconds, Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, Duration.ofSeconds(seconds))
        .pollingEvery(Duration.ofMillis(100))
        .until(condition);
  }

  /** The element matching {@code css}, waiting up to 20 s for it to appear. */
  WebElement find(String css) {
    return await(20, d -> d.findElements(By.cssSelector(css)).stream().findFirst().orElse(null));
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /** Writes a PNG of the viewport to {@code target/dashboard-screenshots/NAME.png}. */
  Path screenshot(String name) throws IOException {
    Files.createDirectories(SCREENSHOTS);
    Path file = SCREENSHOTS.resolve(name + ".png");
    Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    return file;
  }

  /**
   * The console entries at SEVERE since the last call (the driver drains them), but for the
   * browser's own request of {@code /favicon.ico} on the non-dashboard page {@link #useKey} opens
   * (the dashboard's icon is inline).
   */
  List<LogEntry> consoleErrors() {
    return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .filter(e -> !e.getMessage().contains("/favicon.ico - "))
        .toList();
  }

  /**
   * Drains the console and fails unless every error in it is the browser's own report of a response
   * with one of {@code statuses} (Chromium logs each failed request, e.g. a 400 the page then shows
   * next to its field): for tests that provoke API errors on purpose.
   */
  void assertOnlyHttpErrors(int... statuses) {
    for (LogEntry e : consoleErrors()) {
      boolean expected = false;
      for (int status : statuses) {
        expected |= e.getMessage().contains("status of " + status);
      }
      assertThat(expected).as("unexpected console error: %s", e.getMessage()).isTrue();
    }
  }

  /** Fails when the page logged an error to the console (an uncaught exception included). */
  void assertNoConsoleErrors() {
    assertThat(consoleErrors()).as("console errors").isEmpty();
  }

  @Override
  public void close() {
    try {
      driver.quit();
    } finally {
      try (var files = Files.walk(profile)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException ignored) {
        // a leftover temp profile is harmless
      }
    }
  }
}
