package dev.lathe.cli;

import dev.lathe.inference.GenerationListener;
import dev.lathe.inference.GenerationRequest;
import dev.lathe.inference.GenerationResult;
import dev.lathe.inference.Generator;
import dev.lathe.inference.TokenLogprob;
import dev.lathe.tokenizer.TextTokenizer;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lathe generate}: continues a prompt, streaming the text to stdout as it is generated. With
 * {@code --logprobs N} each token's log-probability and its N most likely alternatives follow on
 * stderr, one line per token, after a summary line; stdout stays the text alone.
 *
 * <p>Exit status: 0 done, 2 unusable call (bad option, model that cannot be loaded).
 */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Continue a prompt with a model, streaming the text.")
public final class GenerateCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin InferenceModelOptions modelOptions;

  @Mixin SamplingOptions sampling;

  @Option(
      names = "--prompt",
      paramLabel = "TEXT",
      defaultValue = "",
      description = "Text to continue (default: empty, i.e. start from BOS).")
  String prompt;

  @Option(
      names = "--logprobs",
      paramLabel = "N",
      description = "Print each token's log-probability and its N (0-20) top alternatives.")
  Integer logprobs;

  @Option(
      names = "--stats",
      description =
          "Print token counts, the finish reason and prefill/decode speed to stderr at the end.")
  boolean stats;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      sampling.request(Set.of(), List.of(), logprobs); // bad options fail before loading
    } catch (IllegalArgumentException e) {
      err.println("lathe generate: " + e.getMessage());
      err.flush();
      return 2;
    }
    try (RunnableModel runnable = modelOptions.open()) {
      GenerationRequest request = sampling.request(runnable.stopTokenIds(), List.of(), logprobs);
      int[] ids = runnable.prompts().prompt(prompt);
      Generator generator =
          new Generator(runnable.model(), runnable.tokenizer(), new SecureRandom()::nextLong);
      long[] firstTokenAt = {0};
      GenerationListener listener =
          new GenerationListener() {
            @Override
            public void onToken(int token, TokenLogprob logprob) {
              if (firstTokenAt[0] == 0) {
                firstTokenAt[0] = System.nanoTime();
              }
            }

            @Override
            public void onText(String delta) {
              out.print(delta);
              out.flush();
            }
          };
      long start = System.nanoTime();
      GenerationResult result =
          generator.generate(ids, request, listener, () -> Thread.currentThread().isInterrupted());
      long end = System.nanoTime();
      out.println();
      out.flush();
      if (logprobs != null) {
        printLogprobs(err, runnable.tokenizer(), result);
      }
      if (stats) {
        double prefillSeconds = (firstTokenAt[0] - start) / 1e9;
        double decodeSeconds = (end - firstTokenAt[0]) / 1e9;
        err.printf(
            Locale.ROOT,
            "prompt_tokens=%d completion_tokens=%d finish_reason=%s prefill %.1f ms"
                + " (%.0f tokens/s), decode %.1f tokens/s%n",
            result.promptTokens(),
            result.completionTokens(),
            result.finishReason().wireName(),
            prefillSeconds * 1e3,
            result.promptTokens() / prefillSeconds,
            (result.completionTokens() - 1) / decodeSeconds);
        err.flush();
      }
      return 0;
    } catch (Exception e) {
      err.println("lathe generate: " + e.getMessage());
      err.flush();
      return 2;
    }
  }

  static void printLogprobs(PrintWriter err, TextTokenizer tokenizer, GenerationResult result) {
    err.printf(
        Locale.ROOT,
        "finish_reason=%s prompt_tokens=%d completion_tokens=%d%n",
        result.finishReason().wireName(),
        result.promptTokens(),
        result.completionTokens());
    for (TokenLogprob token : result.logprobs()) {
      StringBuilder line = new StringBuilder();
      line.append(
          String.format(
              Locale.ROOT,
              "%6d %-16s %9.4f",
              token.token(),
              quoted(tokenizer, token.token()),
              token.logprob()));
      for (TokenLogprob.Alternative alternative : token.top()) {
        line.append(
            String.format(
                Locale.ROOT,
                "  %s %.4f",
                quoted(tokenizer, alternative.token()),
                alternative.logprob()));
      }
      err.println(line);
    }
    err.flush();
  }

  private static String quoted(TextTokenizer tokenizer, int id) {
    String text = tokenizer.decode(new int[] {id});
    return "\"" + text.replace("\\", "\\\\").replace("\n", "\\n").replace("\"", "\\\"") + "\"";
  }
}
