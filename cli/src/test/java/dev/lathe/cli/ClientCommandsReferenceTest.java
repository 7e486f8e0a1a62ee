package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every client command against {@link ReferenceOpenAiServer}, an OpenAI-compatible server that is
 * not Lathe: nothing the commands do depends on Lathe. Also the exit codes of {@code --wait} and
 * {@code --follow} (a job that succeeds, fails, or is cancelled) and of the error paths.
 */
class ClientCommandsReferenceTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Path MARV = Path.of("..", "examples", "marv-sarcastic.jsonl");

  @TempDir Path dir;
  ReferenceOpenAiServer server;

  @BeforeEach
  void start() throws Exception {
    server = new ReferenceOpenAiServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** {@code lathe ARGS --base-url … --api-key …}, reading {@code stdin}. */
  LatheRun withInput(String stdin, String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--base-url", server.baseUrl(), "--api-key", ReferenceOpenAiServer.KEY));
    return LatheRun.withInput(stdin, all.toArray(String[]::new));
  }

  LatheRun lathe(String... args) {
    return withInput("", args);
  }

  static LatheRun ok(LatheRun run) {
    assertThat(run.exit()).as("out: %s%nerr: %s", run.out(), run.err()).isZero();
    return run;
  }

  @Test
  void filesUploadListGetContentDelete() throws Exception {
    String id = ok(lathe("files", "upload", MARV.toString())).out().strip();
    assertThat(id).startsWith("file-");
    assertThat(ok(lathe("files", "list")).out()).contains(id + "  marv-sarcastic.jsonl");
    JsonNode file = JSON.readTree(ok(lathe("files", "get", id, "--json")).out());
    assertThat(file.get("bytes").asLong()).isEqualTo(Files.size(MARV));
    assertThat(file.get("purpose").asText()).isEqualTo("fine-tune");
    assertThat(ok(lathe("files", "content", id)).out()).isEqualTo(Files.readString(MARV));
    Path copy = dir.resolve("copy.jsonl");
    ok(lathe("files", "content", id, "-o", copy.toString()));
    assertThat(copy).hasSameTextualContentAs(MARV);
    assertThat(ok(lathe("files", "delete", id)).out()).contains("deleted " + id);

    LatheRun gone = lathe("files", "get", id);
    assertThat(gone.exit()).isEqualTo(3);
    assertThat(gone.err())
        .isEqualTo(
            "lathe files get: the server answered 404: No such File object: "
                + id
                + " (param: id)"
                + System.lineSeparator());
  }

  @Test
  void uploadRunsTheValidatorFirstUnlessToldNot() throws Exception {
    Path bad = dir.resolve("bad.jsonl");
    List<String> lines = new ArrayList<>(Files.readAllLines(MARV));
    lines.set(3, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}]}");
    Files.write(bad, lines);
    LatheRun refused = lathe("files", "upload", bad.toString());
    assertThat(refused.exit()).isEqualTo(1);
    assertThat(refused.err())
        .contains("has 1 errors; nothing was uploaded")
        .contains("bad.jsonl:4")
        .contains("example_missing_assistant_message")
        .contains("--no-validate");
    assertThat(ok(lathe("files", "list")).out()).isBlank();
    String id = ok(lathe("files", "upload", bad.toString(), "--no-validate")).out().strip();
    assertThat(ok(lathe("files", "list")).out()).contains(id);
  }

  @Test
  void datasetBuildUploadsWhatItWroteAndKeepsItWhenTheEndpointIsDown() throws Exception {
    Path csv = dir.resolve("qa.csv");
    StringBuilder rows = new StringBuilder("question,answer\n");
    for (int i = 0; i < 24; i++) {
      rows.append("What is fold ").append(i).append("?,Fold ").append(i).append(" is a crease.\n");
    }
    Files.writeString(csv, rows);
    Path template = dir.resolve("qa.jinja");
    Files.writeString(template, "<|user|> {{ question }}\n<|assistant|> {{ answer }}\n");
    Path train = dir.resolve("train.jsonl");
    Path valid = dir.resolve("valid.jsonl");

    LatheRun built =
        ok(
            lathe(
                "dataset",
                "build",
                csv.toString(),
                "--template",
                template.toString(),
                "-o",
                train.toString(),
                "--valid-out",
                valid.toString(),
                "--valid-count",
                "4",
                "--upload"));
    List<String> ids =
        built
            .out()
            .lines()
            .filter(l -> l.startsWith("Uploaded "))
            .map(l -> l.replaceAll(".* as ", ""))
            .toList();
    assertThat(ids).hasSize(2);
    JsonNode first = JSON.readTree(ok(lathe("files", "get", ids.get(0), "--json")).out());
    assertThat(first.get("bytes").asLong()).isEqualTo(Files.size(train));
    assertThat(first.get("purpose").asText()).isEqualTo("fine-tune");
    assertThat(ok(lathe("files", "content", ids.get(1))).out()).isEqualTo(Files.readString(valid));

    Path again = dir.resolve("again.jsonl");
    LatheRun down =
        LatheRun.of(
            "dataset",
            "build",
            csv.toString(),
            "--template",
            template.toString(),
            "-o",
            again.toString(),
            "--upload",
            "--base-url",
            "http://127.0.0.1:1/v1");
    assertThat(down.exit()).isEqualTo(4);
    assertThat(down.err()).contains("cannot reach http://127.0.0.1:1/v1");
    assertThat(again).exists(); // the built file stays; upload it later with lathe files upload
  }

  @Test
  void largeUploadsShowProgress() throws Exception {
    Path big = dir.resolve("big.jsonl");
    String marv = Files.readString(MARV);
    Files.writeString(big, marv.repeat((int) (2 * (1 << 20) / marv.length()) + 1));
    LatheRun run = ok(lathe("files", "upload", big.toString()));
    assertThat(run.err()).contains("Uploading big.jsonl [").contains("] 100%");
    assertThat(run.err().lines().filter(l -> l.startsWith("Uploading"))).hasSizeBetween(2, 11);
    String id = run.out().strip();
    assertThat(JSON.readTree(ok(lathe("files", "get", id, "--json")).out()).get("bytes").asLong())
        .isEqualTo(Files.size(big));
  }

  @Test
  void createWaitFollowsToSuccessThenCompareAndDelete() throws Exception {
    String file = ok(lathe("files", "upload", MARV.toString())).out().strip();
    LatheRun run =
        ok(
            lathe(
                "jobs",
                "create",
                "--model",
                ReferenceOpenAiServer.BASE_MODEL,
                "--training-file",
                file,
                "--suffix",
                "marv",
                "--validation-file",
                file,
                "--seed",
                "7",
                "--epochs",
                "2",
                "--batch-size",
                "auto",
                "--lr-multiplier",
                "0.5",
                "--wait",
                "--interval",
                "0.01"));
    String job = run.out().lines().findFirst().orElseThrow();
    assertThat(job).startsWith("ftjob-");
    assertThat(run.out())
        .contains("[info] Fine-tuning job started")
        .contains("step 1/3  train loss 2.0000  ETA ?")
        .contains("step 2/3  train loss 1.0000  ETA 10s")
        .contains("step 3/3  train loss 0.6667  ETA 0s")
        .contains(job + ": succeeded")
        .contains("fine-tuned model: ft:ref-base:reference::");
    JsonNode got = JSON.readTree(ok(lathe("jobs", "get", job, "--json")).out());
    assertThat(got.get("status").asText()).isEqualTo("succeeded");
    assertThat(got.at("/method/supervised/hyperparameters/n_epochs").asInt()).isEqualTo(2);
    assertThat(got.at("/method/supervised/hyperparameters/batch_size").asText()).isEqualTo("auto");
    assertThat(got.get("seed").asLong()).isEqualTo(7);
    assertThat(got.get("validation_file").asText()).isEqualTo(file);
    String ft = got.get("fine_tuned_model").asText();

    assertThat(ok(lathe("jobs", "list")).out()).contains(job + "  ref-base  succeeded");
    assertThat(ok(lathe("jobs", "events", job)).out().lines().toList())
        .first()
        .asString()
        .endsWith("Created fine-tuning job: " + job);
    assertThat(ok(lathe("jobs", "checkpoints", job)).out())
        .contains("step 3  " + ft + ":ckpt-step-3  train loss 0.6667");
    assertThat(ok(lathe("jobs", "events", job, "--follow")).exit()).isZero();
    assertThat(ok(lathe("models", "list")).out()).contains("ref-base  system").contains(ft);

    LatheRun compared =
        ok(lathe("compare", "ref-base", ft, "--prompts", MARV.toString(), "--format", "jsonl"));
    List<String> lines = compared.out().lines().toList();
    assertThat(lines).hasSize(12);
    JsonNode first = JSON.readTree(lines.getFirst());
    assertThat(first.get("messages").findValuesAsText("role")).containsExactly("system", "user");
    String question = first.at("/messages/1/content").asText();
    assertThat(first.at("/answers/0/content").asText()).isEqualTo("Base reply to " + question);
    assertThat(first.at("/answers/1/model").asText()).isEqualTo(ft);
    assertThat(first.at("/answers/1/content").asText()).isEqualTo("Tuned reply to " + question);
    assertThat(first.at("/answers/1/completion_tokens").asLong())
        .isEqualTo(("Tuned reply to " + question).split(" ").length);
    assertThat(first.at("/answers/1/latency_ms").isIntegralNumber()).isTrue();

    String side =
        ok(lathe("compare", "ref-base", ft, "--prompt", "Hi there", "--width", "120")).out();
    assertThat(side)
        .contains("Prompt 1: Hi there")
        .containsPattern("ref-base \\(5 tokens, \\d+ ms\\) +\\| " + "ft:")
        .containsPattern("Base reply to Hi there +\\| Tuned reply to Hi there");
    Path md = dir.resolve("compare.md");
    ok(
        lathe(
            "compare",
            "ref-base",
            ft,
            "--prompt",
            "Hi",
            "--format",
            "markdown",
            "-o",
            md.toString()));
    assertThat(Files.readString(md))
        .contains("## Prompt 1")
        .contains("| `ref-base` | Base reply to Hi | 4 |");

    LatheRun chat =
        ok(withInput("Hello\nAnd again\n/exit\n", "chat", "--remote", ft, "--max-tokens", "9"));
    assertThat(chat.out()).contains("Tuned reply to Hello").contains("Tuned reply to And again");

    assertThat(ok(lathe("models", "delete", ft)).out()).contains("deleted " + ft);
    LatheRun deletedModel = lathe("models", "get", ft);
    assertThat(deletedModel.exit()).isEqualTo(3);
    assertThat(deletedModel.err()).contains("404: The model '" + ft + "' does not exist");
  }

  /** {@code lathe jobs create} on the reference base model with {@code options}. */
  LatheRun create(String file, String... options) {
    List<String> args =
        new ArrayList<>(List.of("jobs", "create", "--model", "ref-base", "--training-file", file));
    args.addAll(List.of(options));
    return lathe(args.toArray(String[]::new));
  }

  @Test
  void waitAndFollowExitOneWhenTheJobFailsOrIsCancelled() throws Exception {
    String file = ok(lathe("files", "upload", MARV.toString())).out().strip();
    LatheRun failed = create(file, "--suffix", "fail", "--wait", "--interval", "0.01");
    assertThat(failed.exit()).as(failed.err()).isEqualTo(1);
    assertThat(failed.out())
        .contains("[error] Fine-tuning job failed: too few examples")
        .contains(": failed")
        .contains("error: The training file has too few examples. [invalid_training_file]");

    String job = ok(create(file, "--method", "dpo", "--beta", "0.2")).out().strip();
    JsonNode dpo = JSON.readTree(ok(lathe("jobs", "get", job, "--json")).out()).get("method");
    assertThat(dpo.get("type").asText()).isEqualTo("dpo");
    assertThat(dpo.at("/dpo/hyperparameters/beta").asDouble()).isEqualTo(0.2);
    assertThat(ok(lathe("jobs", "pause", job)).out()).contains(job + "  ref-base  paused");
    LatheRun again = lathe("jobs", "pause", job);
    assertThat(again.exit()).isEqualTo(3);
    assertThat(again.err())
        .isEqualTo(
            "lathe jobs pause: the server answered 400: Cannot pause a job that is paused."
                + System.lineSeparator());
    assertThat(ok(lathe("jobs", "resume", job)).out()).contains("running");
    assertThat(ok(lathe("jobs", "cancel", job)).out()).contains("cancelled");
    LatheRun followed = lathe("jobs", "events", job, "--follow", "--json");
    assertThat(followed.exit()).isEqualTo(1);
    List<String> lines = followed.out().lines().toList();
    assertThat(JSON.readTree(lines.getLast()).get("status").asText()).isEqualTo("cancelled");
    assertThat(lines.subList(0, lines.size() - 1))
        .extracting(l -> JSON.readTree(l).get("message").asText())
        .containsExactly(
            "Created fine-tuning job: " + job,
            "Validating training file: " + file,
            "Fine-tuning job started",
            "Fine-tuning job paused",
            "Fine-tuning job running",
            "Fine-tuning job cancelled");
  }

  @Test
  void errorsSayWhatIsWrongWithoutAStackTrace() {
    LatheRun wrongKey =
        LatheRun.of("models", "list", "--base-url", server.baseUrl(), "--api-key", "sk-nope");
    assertThat(wrongKey.exit()).isEqualTo(3);
    assertThat(wrongKey.err())
        .isEqualTo(
            "lathe models list: the server answered 401: Incorrect API key provided."
                + " [invalid_api_key]"
                + System.lineSeparator());

    LatheRun unreachable = LatheRun.of("files", "list", "--base-url", "http://127.0.0.1:1/v1");
    assertThat(unreachable.exit()).isEqualTo(4);
    assertThat(unreachable.err())
        .startsWith("lathe files list: cannot reach http://127.0.0.1:1/v1: connection refused.")
        .contains("--base-url or OPENAI_BASE_URL")
        .doesNotContain("Exception");

    LatheRun notUrl = LatheRun.of("models", "list", "--base-url", "localhost:8080");
    assertThat(notUrl.exit()).isEqualTo(2);
    assertThat(notUrl.err()).contains("--base-url must be an http(s) URL");

    LatheRun badEpochs =
        lathe(
            "jobs",
            "create",
            "--model",
            "ref-base",
            "--training-file",
            "file-x",
            "--epochs",
            "two");
    assertThat(badEpochs.exit()).isEqualTo(2);
    assertThat(badEpochs.err()).contains("--epochs is 'two'; give a whole number or auto");

    LatheRun unknownFile =
        lathe("jobs", "create", "--model", "ref-base", "--training-file", "file-x");
    assertThat(unknownFile.exit()).isEqualTo(3);
    assertThat(unknownFile.err())
        .contains("400: invalid training_file: file-x (param: training_file)");

    LatheRun betaWithoutDpo =
        lathe("jobs", "create", "--model", "ref-base", "--training-file", "file-x", "--beta", "1");
    assertThat(betaWithoutDpo.exit()).isEqualTo(2);
    assertThat(betaWithoutDpo.err()).contains("--beta is DPO's; add --method dpo");

    LatheRun noPrompts = lathe("compare", "ref-base", "ref-base");
    assertThat(noPrompts.exit()).isEqualTo(2);
    assertThat(noPrompts.err()).contains("no prompts: give --prompt TEXT or --prompts FILE");

    LatheRun localOnly = lathe("chat", "--remote", "ref-base", "--top-k", "5");
    assertThat(localOnly.exit()).isEqualTo(2);
    assertThat(localOnly.err()).contains("--top-k is not an OpenAI request field");

    assertThat(LatheRun.of("jobs", "--help").out()).contains("Exit codes: 0 ok; 1 the job failed");
  }
}
