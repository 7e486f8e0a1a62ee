package dev.lathe.cli.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code lathe compare MODEL_A MODEL_B}: the same prompts to both models, answers side by side (or
 * as JSONL or Markdown) with their tokens and latency.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    footer = ExitCodes.FOOTER,
    description = {
      "Send the same prompts to two models and show the answers side by side, with tokens and"
          + " latency.",
      "Prompts: --prompt (repeatable) or --prompts FILE: JSONL lines with \"messages\" (a training"
          + " file works: each example's conversation up to its last user message) or"
          + " \"prompt\", or plain text lines (one user message each)."
    })
public final class CompareCommand extends ClientCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Parameters(index = "0", paramLabel = "MODEL_A")
  String modelA;

  @Parameters(index = "1", paramLabel = "MODEL_B")
  String modelB;

  @Option(names = "--prompts", paramLabel = "FILE", description = "The prompts, one per line.")
  Path promptsFile;

  @Option(names = "--prompt", paramLabel = "TEXT", description = "A prompt (repeatable).")
  List<String> prompts = new ArrayList<>();

  @Option(
      names = "--format",
      defaultValue = "side",
      description = "side (default: two columns), jsonl or markdown; --json means jsonl.")
  String format;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "PATH",
      description = "Write here, not stdout.")
  Path output;

  @Option(names = "--temperature", defaultValue = "0", description = "Default 0 (greedy).")
  double temperature;

  @Option(names = "--max-tokens", defaultValue = "256", description = "Per answer (256).")
  long maxTokens;

  @Option(names = "--seed", description = "Sent with every request.")
  Long seed;

  @Option(
      names = "--width",
      description = "Terminal width for side by side (default: $COLUMNS, else 120).")
  Integer width;

  /** Nanoseconds, for latency. */
  LongSupplier nanoTime = System::nanoTime;

  /** One prompt: the conversation sent, and how it is shown. */
  record Prompt(String shown, List<Turn> turns) {}

  /** One message of a prompt. */
  record Turn(String role, String content) {}

  /** One model's answer to one prompt. */
  record Answer(
      String model,
      String text,
      String finishReason,
      long promptTokens,
      long completionTokens,
      long latencyMs) {}

  @Override
  protected int run(OpenAIClient client) throws IOException {
    String chosen = json ? "jsonl" : format;
    if (!List.of("side", "jsonl", "markdown").contains(chosen)) {
      throw new UsageException("--format is '" + format + "'; use side, jsonl or markdown");
    }
    List<Prompt> all = prompts();
    List<CompareReport.Row> rows = new ArrayList<>();
    for (Prompt p : all) {
      rows.add(new CompareReport.Row(p, List.of(ask(client, modelA, p), ask(client, modelB, p))));
    }
    int columns = width != null ? width : columns();
    if (output != null) {
      try (PrintWriter file =
          new PrintWriter(Files.newBufferedWriter(output, StandardCharsets.UTF_8))) {
        CompareReport.write(chosen, rows, columns, file);
      }
      err().println("lathe compare: " + rows.size() + " prompts -> " + output);
    } else {
      CompareReport.write(chosen, rows, columns, out());
    }
    out().flush();
    return ExitCodes.OK;
  }

  private Answer ask(OpenAIClient client, String model, Prompt prompt) {
    ChatCompletionCreateParams.Builder request =
        ChatCompletionCreateParams.builder()
            .model(model)
            .temperature(temperature)
            .maxCompletionTokens(maxTokens);
    if (seed != null) {
      request.seed(seed);
    }
    for (Turn t : prompt.turns()) {
      switch (t.role()) {
        case "system", "developer" -> request.addSystemMessage(t.content());
        case "assistant" ->
            request.addMessage(
                com.openai.models.chat.completions.ChatCompletionAssistantMessageParam.builder()
                    .content(t.content())
                    .build());
        default -> request.addUserMessage(t.content());
      }
    }
    long start = nanoTime.getAsLong();
    ChatCompletion c = client.chat().completions().create(request.build());
    long latency = (nanoTime.getAsLong() - start) / 1_000_000;
    var choice = c.choices().getFirst();
    return new Answer(
        model,
        choice.message().content().orElse(""),
        choice._finishReason().asString().orElse(""),
        c.usage().map(u -> u.promptTokens()).orElse(-1L),
        c.usage().map(u -> u.completionTokens()).orElse(-1L),
        latency);
  }

  /** The prompts from --prompt and --prompts, in that order. */
  List<Prompt> prompts() throws IOException {
    List<Prompt> all = new ArrayList<>();
    prompts.forEach(p -> all.add(new Prompt(p, List.of(new Turn("user", p)))));
    if (promptsFile != null) {
      if (!Files.isReadable(promptsFile)) {
        throw new UsageException("No readable file at '" + promptsFile + "': check --prompts.");
      }
      int number = 0;
      for (String line : Files.readAllLines(promptsFile, StandardCharsets.UTF_8)) {
        number++;
        if (!line.isBlank()) {
          all.add(prompt(line.strip(), number));
        }
      }
    }
    if (all.isEmpty()) {
      throw new UsageException("no prompts: give --prompt TEXT or --prompts FILE");
    }
    return all;
  }

  private Prompt prompt(String line, int number) {
    if (!line.startsWith("{")) {
      return new Prompt(line, List.of(new Turn("user", line)));
    }
    JsonNode node;
    try {
      node = JSON.readTree(line);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UsageException(
          promptsFile + ":" + number + ": not valid JSON (" + e.getOriginalMessage() + ")");
    }
    if (node.path("prompt").isTextual()) {
      String p = node.get("prompt").asText();
      return new Prompt(p, List.of(new Turn("user", p)));
    }
    JsonNode messages = node.path("messages");
    List<Turn> turns = new ArrayList<>();
    int lastUser = -1;
    for (JsonNode m : messages) {
      if (!m.path("content").isTextual()) {
        continue;
      }
      turns.add(new Turn(m.path("role").asText("user"), m.get("content").asText()));
      if (turns.getLast().role().equals("user")) {
        lastUser = turns.size() - 1;
      }
    }
    if (lastUser < 0) {
      throw new UsageException(
          promptsFile
              + ":"
              + number
              + ": no user message; a line needs \"messages\" with a user message, or \"prompt\"");
    }
    List<Turn> sent = List.copyOf(turns.subList(0, lastUser + 1));
    return new Prompt(sent.getLast().content(), sent);
  }

  private static int columns() {
    try {
      return Math.max(40, Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "120")));
    } catch (NumberFormatException e) {
      return 120;
    }
  }
}
