package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeds' workflow with the client commands against a real {@code lathe serve} in its own JVM on
 * a free port, serving TinyStories-656K through {@code --model} and {@code --alias} only: upload,
 * {@code jobs create --wait} (a real LoRA run), events and checkpoints, {@code compare} of the base
 * and the {@code ft:} model, {@code chat --remote}, {@code models delete}; and a job that fails,
 * whose {@code --wait} exits 1.
 */
class ClientCommandsLatheTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path MARV = Path.of("..", "examples", "marv-sarcastic.jsonl");
  static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+/v1)");

  @TempDir static Path dir;
  static Process serve;
  static String base;

  @BeforeAll
  static void startServe() throws Exception {
    Path tiny = SharedAssets.require("models/hf-TinyStories-656K").toAbsolutePath();
    Path log = dir.resolve("serve.log");
    serve =
        new ProcessBuilder(
                LatheRun.inOwnJvm(
                    "serve",
                    "--port",
                    "0",
                    "--data-dir",
                    dir.resolve("data").toString(),
                    "--model",
                    "tiny=" + tiny,
                    "--alias",
                    "gpt-4o-mini-2024-07-18=tiny",
                    "--workers",
                    "1"))
            .directory(dir.toFile()) // no ../shared/models here: only the flags' model is served
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (base == null) {
      Matcher m = LISTENING.matcher(Files.readString(log));
      if (m.find()) {
        base = m.group(1);
      } else if (!serve.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("lathe serve did not start:\n" + Files.readString(log));
      } else {
        Thread.sleep(100);
      }
    }
  }

  @AfterAll
  static void stopServe() throws InterruptedException {
    if (serve != null) {
      serve.destroy();
      serve.waitFor();
    }
  }

  static LatheRun lathe(String stdin, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--base-url", base, "--api-key", "sk-anything"));
    return LatheRun.withInput(stdin, all.toArray(String[]::new));
  }

  static LatheRun ok(String stdin, String... args) throws IOException {
    LatheRun run = lathe(stdin, args);
    assertThat(run.exit())
        .as("lathe %s%nout: %s%nerr: %s%nserver: %s", all(args), run.out(), run.err(), serverLog())
        .isZero();
    return run;
  }

  private static String all(String... args) {
    return String.join(" ", args);
  }

  private static String serverLog() throws IOException {
    String log = Files.readString(dir.resolve("serve.log"));
    return log.substring(Math.max(0, log.length() - 4000));
  }

  @Test
  void uploadTrainFollowCompareChatDelete() throws Exception {
    assertThat(ok("", "models", "list").out())
        .contains("tiny  system")
        .contains("gpt-4o-mini-2024-07-18");
    String file = ok("", "files", "upload", MARV.toString()).out().strip();
    assertThat(file).startsWith("file-");

    LatheRun trained =
        ok(
            "",
            "jobs",
            "create",
            "--model",
            "tiny",
            "--training-file",
            file,
            "--suffix",
            "marv",
            "--seed",
            "7",
            "--epochs",
            "1",
            "--batch-size",
            "4",
            "--lr-multiplier",
            "auto",
            "--wait",
            "--interval",
            "0.2");
    String job = trained.out().lines().findFirst().orElseThrow();
    assertThat(job).startsWith("ftjob-");
    assertThat(trained.out())
        .containsPattern("step 3/3  train loss \\d+\\.\\d{4}  ETA ")
        .contains("[info] The job has successfully completed")
        .contains(job + ": succeeded")
        .contains("fine-tuned model: ft:tiny:local:marv:");
    JsonNode done = JSON.readTree(ok("", "jobs", "get", job, "--json").out());
    assertThat(done.at("/method/supervised/hyperparameters/batch_size").asInt()).isEqualTo(4);
    String ft = done.get("fine_tuned_model").asText();
    assertThat(ok("", "jobs", "list").out()).contains(job + "  tiny  succeeded");
    assertThat(ok("", "jobs", "checkpoints", job).out()).contains("step 3  " + ft);
    assertThat(ok("", "jobs", "events", job, "--follow").out()).contains(job + ": succeeded");

    List<String> compared =
        ok(
                "",
                "compare",
                "tiny",
                ft,
                "--prompts",
                MARV.toString(),
                "--format",
                "jsonl",
                "--max-tokens",
                "8")
            .out()
            .lines()
            .toList();
    assertThat(compared).hasSize(12);
    for (String line : compared) {
      JsonNode row = JSON.readTree(line);
      assertThat(row.at("/answers/0/model").asText()).isEqualTo("tiny");
      assertThat(row.at("/answers/1/model").asText()).isEqualTo(ft);
      for (JsonNode answer : row.get("answers")) {
        assertThat(answer.get("completion_tokens").asLong()).isBetween(1L, 8L);
        assertThat(answer.get("prompt_tokens").asLong()).isPositive();
        assertThat(answer.get("latency_ms").asLong()).isNotNegative();
      }
    }

    LatheRun chat =
        ok("Hello\n/exit\n", "chat", "--remote", ft, "--max-tokens", "6", "--seed", "1");
    assertThat(chat.out()).isNotBlank();

    assertThat(ok("", "models", "delete", ft).out()).contains("deleted " + ft);
    LatheRun gone = lathe("", "models", "get", ft);
    assertThat(gone.exit()).isEqualTo(3);
    assertThat(gone.err()).contains("404: The model `" + ft + "` does not exist");
  }

  @Test
  void waitExitsOneWhenTheJobFails() throws Exception {
    Path bad = dir.resolve("too-few.jsonl");
    Files.write(bad, Files.readAllLines(MARV).subList(0, 3));
    LatheRun refused = lathe("", "files", "upload", bad.toString());
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err()).contains("invalid_n_examples");
    String file = ok("", "files", "upload", bad.toString(), "--no-validate").out().strip();
    LatheRun failed =
        lathe(
            "",
            "jobs",
            "create",
            "--model",
            "tiny",
            "--training-file",
            file,
            "--wait",
            "--interval",
            "0.2");
    assertThat(failed.exit()).as("%s%n%s", failed.out(), failed.err()).isEqualTo(1);
    assertThat(failed.out()).contains(": failed").contains("[invalid_training_file]");
  }
}
