package dev.lathe.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.finetuning.jobs.FineTuningJob;
import com.openai.models.finetuning.jobs.JobCreateParams;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The job page's cost in a real headless Chromium against a real server with real jobs
 * (TinyStories-656K, LoRA, one worker; never run by the tests): {@code bench/dashboard-load.sh}.
 *
 * <p>First load: a finished job of 2,000 metrics steps (40 examples, batch 1, 50 epochs), opened in
 * a fresh browser profile each run; bytes are the Performance API's navigation plus resource
 * entries ({@code transferSize}, and {@code encodedBodySize}), the time is the page's {@code
 * lathe:job-charts-drawn} mark (the frame after the charts took every step) from navigation start.
 * Smoothness: a second job trains (a metrics event every step) while its page is open; over {@code
 * --seconds} the page records requestAnimationFrame gaps and {@code longtask} entries.
 */
public final class DashboardLoadBench {
  private DashboardLoadBench() {}

  static String trainingText(int examples) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < examples; i++) {
      String animal = FineTuningJobsTest.ANIMALS.get(i % FineTuningJobsTest.ANIMALS.size());
      b.append("{\"messages\":[{\"role\":\"user\",\"content\":\"What does the ")
          .append(animal)
          .append(" number ")
          .append(i)
          .append(" say?\"},{\"role\":\"assistant\",\"content\":\"The ")
          .append(animal)
          .append(" says hello ")
          .append(i)
          .append(" times!\"}]}\n");
    }
    return b.toString();
  }

  static FineTuningJob job(OpenAIClient client, String file, long epochs, String suffix) {
    return client
        .fineTuning()
        .jobs()
        .create(
            JobCreateParams.builder()
                .model("tinystories-656k")
                .trainingFile(file)
                .suffix(suffix)
                .seed(1)
                .hyperparameters(
                    JobCreateParams.Hyperparameters.builder().nEpochs(epochs).batchSize(1L).build())
                .build());
  }

  static double median(double[] v) {
    return percentile(v, 50);
  }

  static double percentile(double[] v, double p) {
    double[] s = v.clone();
    Arrays.sort(s);
    if (s.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
    return s[Math.max(0, Math.min(s.length - 1, i))];
  }

  static final String FIRST_LOAD =
      "const nav = performance.getEntriesByType('navigation')[0];"
          + " const res = performance.getEntriesByType('resource');"
          + " const mark = performance.getEntriesByName('lathe:job-charts-drawn')[0];"
          + " return {transfer: nav.transferSize + res.reduce((a, r) => a + r.transferSize, 0),"
          + " encoded: nav.encodedBodySize + res.reduce((a, r) => a + r.encodedBodySize, 0),"
          + " requests: 1 + res.length, drawnMs: mark ? mark.startTime : -1,"
          + " events: res.filter((r) => r.name.includes('/events'))"
          + "   .reduce((a, r) => a + r.transferSize, 0),"
          + " points: mark ? mark.detail.points : -1};";

  static final String SMOOTHNESS =
      "const done = arguments[arguments.length - 1]; const ms = arguments[0];"
          + " const gaps = []; const tasks = []; let last = null;"
          + " const obs = new PerformanceObserver((l) => { for (const e of l.getEntries())"
          + " tasks.push(e.duration); });"
          + " obs.observe({type: 'longtask', buffered: false});"
          + " const redraws = []; const mobs = new PerformanceObserver((l) => {"
          + "   for (const e of l.getEntries()) if (e.name === 'lathe:job-redraw')"
          + "     redraws.push(e.duration); });"
          + " mobs.observe({type: 'measure', buffered: false});"
          + " const start = performance.now();"
          + " const points0 = Number(document.getElementById('chart-loss').dataset.points);"
          + " function frame(t) { if (last !== null) gaps.push(t - last); last = t;"
          + "   if (t - start < ms) requestAnimationFrame(frame);"
          + "   else { obs.disconnect(); mobs.disconnect(); done({gaps, tasks, redraws, points0,"
          + "     points1: Number(document.getElementById('chart-loss').dataset.points)}); } }"
          + " requestAnimationFrame(frame);";

  public static void main(String[] args) throws Exception {
    int runs = 3;
    int seconds = 20;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--runs" -> runs = Integer.parseInt(args[++i]);
        case "--seconds" -> seconds = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Path dir = Files.createTempDirectory("lathe-dashboard-bench");
    try (TestServer server = TestServer.withRealClock(dir, 1)) {
      // retries: the minutes-long waits outlive the server's idle keep-alive connections
      OpenAIClient client =
          OpenAIOkHttpClient.builder()
              .apiKey(TestServer.KEY_A)
              .baseUrl(server.baseUrl())
              .maxRetries(3)
              .build();
      String origin = "http://127.0.0.1:" + server.server.port();
      String file = DashboardCompareTest.upload(client, "bench.jsonl", trainingText(40));
      long t0 = System.nanoTime();
      FineTuningJob done = until(client, job(client, file, 50, "bench").id(), "finished");
      System.out.printf(
          "2,000-step job %s: %s in %.0f s%n",
          done.id(), done.status(), (System.nanoTime() - t0) / 1e9);

      System.out.println();
      System.out.println("first load of the job page (fresh profile each run)");
      System.out.println(
          "run | requests | transferred B | encoded B | of which events B | chart with all points"
              + " ms");
      List<double[]> loads = new ArrayList<>();
      for (int r = 0; r < runs; r++) {
        try (Browser browser = Browser.open(1280, 900)) {
          browser.useKey(origin, TestServer.KEY_A);
          browser.go(origin + "/#/jobs/" + done.id());
          browser.await(
              60,
              d ->
                  browser.js("return performance.getEntriesByName('lathe:job-charts-drawn').length")
                          instanceof Number n
                      && n.intValue() > 0);
          @SuppressWarnings("unchecked")
          Map<String, Object> m = (Map<String, Object>) browser.js(FIRST_LOAD);
          double[] row = {
            num(m, "requests"),
            num(m, "transfer"),
            num(m, "encoded"),
            num(m, "drawnMs"),
            num(m, "events")
          };
          if (num(m, "points") != 2000) {
            throw new IllegalStateException("the chart drew " + m.get("points") + " points");
          }
          loads.add(row);
          System.out.printf(
              "%3d | %8.0f | %13.0f | %9.0f | %17.0f | %6.0f%n",
              r + 1, row[0], row[1], row[2], row[4], row[3]);
        }
      }
      System.out.printf(
          "median | %5.0f | %13.0f | %9.0f | %17.0f | %6.0f%n",
          median(col(loads, 0)),
          median(col(loads, 1)),
          median(col(loads, 2)),
          median(col(loads, 4)),
          median(col(loads, 3)));

      // a live job long enough for every window: 250 examples x 50 epochs, cancelled at the end
      String liveFile = DashboardCompareTest.upload(client, "live.jsonl", trainingText(250));
      String live = job(client, liveFile, 50, "live").id();
      until(client, live, "training");
      System.out.println();
      System.out.printf("while a job trains (a metrics event per step), %d s per run%n", seconds);
      System.out.println(
          "run | frames | median gap ms | p99 gap ms | max gap ms | long tasks | long-task ms"
              + " | points added | redraw median ms | redraw max ms");
      List<double[]> smooth = new ArrayList<>();
      try (Browser browser = Browser.open(1280, 900)) {
        browser.useKey(origin, TestServer.KEY_A);
        browser.go(origin + "/#/jobs/" + live);
        browser.await(
            60,
            d ->
                browser.js("return performance.getEntriesByName('lathe:job-charts-drawn').length")
                        instanceof Number n
                    && n.intValue() > 0);
        browser
            .driver
            .manage()
            .timeouts()
            .scriptTimeout(java.time.Duration.ofSeconds(seconds + 30));
        for (int r = 0; r < runs; r++) {
          @SuppressWarnings("unchecked")
          Map<String, Object> m =
              (Map<String, Object>) browser.driver.executeAsyncScript(SMOOTHNESS, seconds * 1000);
          double[] gaps = doubles(m.get("gaps"));
          double[] tasks = doubles(m.get("tasks"));
          double[] redraws = doubles(m.get("redraws"));
          double added = num(m, "points1") - num(m, "points0");
          double[] row = {
            gaps.length,
            median(gaps),
            percentile(gaps, 99),
            percentile(gaps, 100),
            tasks.length,
            Arrays.stream(tasks).sum(),
            added,
            median(redraws),
            percentile(redraws, 100)
          };
          smooth.add(row);
          System.out.printf(
              "%3d | %6.0f | %13.1f | %10.1f | %10.1f | %10.0f | %12.0f | %12.0f | %16.1f |"
                  + " %13.1f%n",
              r + 1, row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8]);
        }
        System.out.printf(
            "median | %3.0f | %13.1f | %10.1f | %10.1f | %10.0f | %12.0f | %12.0f | %16.1f |"
                + " %13.1f%n",
            median(col(smooth, 0)),
            median(col(smooth, 1)),
            median(col(smooth, 2)),
            median(col(smooth, 3)),
            median(col(smooth, 4)),
            median(col(smooth, 5)),
            median(col(smooth, 6)),
            median(col(smooth, 7)),
            median(col(smooth, 8)));
        browser.assertNoConsoleErrors();
      }
      FineTuningJob after = client.fineTuning().jobs().retrieve(live);
      if (!after.status().asString().equals("running")) {
        System.out.println(
            "warning: the live job was " + after.status() + " at the end, not running");
      }
      client.fineTuning().jobs().cancel(live);
    }
  }

  /** Polls job {@code id} until it finished (or, for "training", posted a step), up to 30 min. */
  static FineTuningJob until(OpenAIClient client, String id, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + 30L * 60 * 1_000_000_000L;
    JobWatch watch = new JobWatch(client);
    while (System.nanoTime() < deadline) {
      FineTuningJob job = client.fineTuning().jobs().retrieve(id);
      if (job.finishedAt().isPresent() || (what.equals("training") && watch.training(id))) {
        return job;
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("job " + id + " not " + what + " after 30 minutes");
  }

  static double num(Map<String, Object> m, String key) {
    return ((Number) m.get(key)).doubleValue();
  }

  static double[] doubles(Object list) {
    return ((List<?>) list).stream().mapToDouble(o -> ((Number) o).doubleValue()).toArray();
  }

  static double[] col(List<double[]> rows, int i) {
    return rows.stream().mapToDouble(r -> r[i]).toArray();
  }
}
