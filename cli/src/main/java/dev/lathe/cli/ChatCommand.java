package dev.lathe.cli;

import dev.lathe.cli.client.Connection;
import dev.lathe.cli.client.RemoteChat;
import dev.lathe.inference.GenerationListener;
import dev.lathe.inference.GenerationRequest;
import dev.lathe.inference.GenerationResult;
import dev.lathe.inference.Generator;
import dev.lathe.tokenizer.ChatMessage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lathe chat}: an interactive conversation on stdin/stdout. Each line read is a user turn;
 * the whole conversation is rendered with the model's chat template (or the plain format, see
 * {@link RunnableModel}) and the reply is streamed, then a blank line. {@code /reset} forgets the
 * conversation, {@code /exit} or end of input ends it. When the conversation no longer fits the
 * context with room for a reply, the oldest exchanges are dropped (the system message stays).
 *
 * <p>With {@code --seed} the i-th reply uses seed {@code S + i}, so a whole session replays.
 */
@Command(
    name = "chat",
    mixinStandardHelpOptions = true,
    description = {
      "Chat with a model on the terminal, one line per user turn.",
      "--model runs a local model; --remote MODEL chats with a model an OpenAI-compatible API"
          + " serves (--base-url/--api-key or $OPENAI_BASE_URL/$OPENAI_API_KEY), streamed."
    })
public final class ChatCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  /** A local model, or a served one. */
  static final class Target {
    @ArgGroup(exclusive = false)
    InferenceModelOptions local;

    @Option(
        names = "--remote",
        paramLabel = "MODEL",
        description = "A model served by the API at --base-url (a Lathe server, OpenAI, ...).")
    String remote;
  }

  @Mixin Connection connection;

  @Mixin SamplingOptions sampling;

  @Option(names = "--system", paramLabel = "TEXT", description = "A system message.")
  String system;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      sampling.request(Set.of(), List.of(), null); // bad options fail before loading
    } catch (IllegalArgumentException e) {
      err.println("lathe chat: " + e.getMessage());
      err.flush();
      return 2;
    }
    if (target.remote != null) {
      return remote(out, err);
    }
    try (RunnableModel runnable = target.local.open()) {
      Generator generator =
          new Generator(runnable.model(), runnable.tokenizer(), new SecureRandom()::nextLong);
      List<ChatMessage> messages = new ArrayList<>();
      if (system != null) {
        messages.add(ChatMessage.system(system));
      }
      int fixed = messages.size();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      int turn = 0;
      for (String line; (line = in.readLine()) != null; ) {
        String text = line.strip();
        if (text.equals("/exit") || text.equals("/quit")) {
          break;
        }
        if (text.equals("/reset")) {
          messages.subList(fixed, messages.size()).clear();
          continue;
        }
        if (text.isEmpty()) {
          continue;
        }
        messages.add(ChatMessage.user(text));
        int[] prompt = fit(runnable, messages, fixed);
        if (prompt == null) {
          messages.removeLast();
          err.println(
              "lathe chat: that message alone does not fit the model's context; shorten it");
          err.flush();
          continue;
        }
        GenerationRequest request =
            sampling.request(runnable.stopTokenIds(), runnable.chatStops(), null, turn);
        GenerationResult reply =
            generator.generate(
                prompt,
                request,
                GenerationListener.text(
                    delta -> {
                      out.print(delta);
                      out.flush();
                    }),
                () -> Thread.currentThread().isInterrupted());
        out.println();
        out.println();
        out.flush();
        messages.add(ChatMessage.assistant(reply.text().strip()));
        turn++;
      }
      return 0;
    } catch (Exception e) {
      err.println("lathe chat: " + e.getMessage());
      err.flush();
      return 2;
    }
  }

  /** {@code --remote}: the same conversation against a served model, with OpenAI's fields. */
  private int remote(PrintWriter out, PrintWriter err) {
    for (String local : List.of("--top-k", "--min-p")) {
      if (spec.commandLine().getParseResult().hasMatchedOption(local)) {
        err.println(
            "lathe chat: "
                + local
                + " is not an OpenAI request field, so it cannot be sent with --remote; leave it"
                + " out");
        err.flush();
        return 2;
      }
    }
    RemoteChat chat =
        new RemoteChat(
            connection,
            target.remote,
            system,
            request -> {
              request
                  .temperature(sampling.temperature)
                  .topP(sampling.topP)
                  .maxCompletionTokens(sampling.maxTokens)
                  .frequencyPenalty(sampling.frequencyPenalty)
                  .presencePenalty(sampling.presencePenalty);
              if (sampling.seed != null) {
                request.seed(sampling.seed);
              }
              if (!sampling.stop.isEmpty()) {
                request.stopOfStrings(sampling.stop);
              }
            });
    return chat.run(
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), out, err);
  }

  /**
   * The prompt for {@code messages}, dropping the oldest turns after the first {@code fixed}
   * messages until it leaves room for a reply; null when even the last message alone is too long.
   */
  private int[] fit(RunnableModel runnable, List<ChatMessage> messages, int fixed) {
    int context = runnable.model().contextLength();
    int room = Math.min(sampling.maxTokens, Math.max(1, context / 4));
    while (true) {
      int[] prompt = runnable.conversation(messages);
      if (prompt.length + room <= context) {
        return prompt;
      }
      if (messages.size() - fixed <= 1) {
        return null;
      }
      messages.remove(fixed); // the oldest user turn, and the reply to it
      if (messages.size() > fixed + 1 && messages.get(fixed).role().equals("assistant")) {
        messages.remove(fixed);
      }
    }
  }
}
