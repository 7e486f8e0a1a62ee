package dev.lathe.cli.client;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageParam;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code lathe chat --remote MODEL}: the terminal conversation of {@code lathe chat}, each reply
 * streamed from a model an OpenAI-compatible API serves. {@code /reset} forgets the conversation,
 * {@code /exit} or end of input ends it.
 */
public final class RemoteChat {
  private final Connection connection;
  private final String model;
  private final String system;
  private final Consumer<ChatCompletionCreateParams.Builder> sampling;

  /**
   * @param sampling sets the request's sampling fields (temperature, top_p, max tokens, seed...)
   */
  public RemoteChat(
      Connection connection,
      String model,
      String system,
      Consumer<ChatCompletionCreateParams.Builder> sampling) {
    this.connection = connection;
    this.model = model;
    this.system = system;
    this.sampling = sampling;
  }

  /** Chats until end of input; returns the exit code. */
  public int run(BufferedReader in, PrintWriter out, PrintWriter err) {
    OpenAIClient client = null;
    try {
      client = connection.client();
      List<ChatCompletionMessageParam> messages = new ArrayList<>();
      for (String line; (line = in.readLine()) != null; ) {
        String text = line.strip();
        if (text.equals("/exit") || text.equals("/quit")) {
          break;
        }
        if (text.equals("/reset")) {
          messages.clear();
          continue;
        }
        if (text.isEmpty()) {
          continue;
        }
        ChatCompletionCreateParams.Builder request =
            ChatCompletionCreateParams.builder().model(model);
        if (system != null) {
          request.addSystemMessage(system);
        }
        messages.forEach(request::addMessage);
        request.addUserMessage(text);
        sampling.accept(request);
        request.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build());
        ChatCompletionCreateParams params = request.build();
        StringBuilder reply = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream =
            client.chat().completions().createStreaming(params)) {
          stream.stream()
              .flatMap(c -> c.choices().stream())
              .forEach(
                  c ->
                      c.delta()
                          .content()
                          .ifPresent(
                              d -> {
                                reply.append(d);
                                out.print(d);
                                out.flush();
                              }));
        }
        out.println();
        out.println();
        out.flush();
        List<ChatCompletionMessageParam> sent = params.messages();
        messages.clear();
        messages.addAll(sent.subList(system == null ? 0 : 1, sent.size()));
        messages.add(
            ChatCompletionMessageParam.ofAssistant(
                com.openai.models.chat.completions.ChatCompletionAssistantMessageParam.builder()
                    .content(reply.toString().strip())
                    .build()));
      }
      return ExitCodes.OK;
    } catch (IOException | RuntimeException e) {
      return ClientErrors.report("chat", connection.baseUrl(), e, err);
    } finally {
      if (client != null) {
        client.close();
      }
    }
  }
}
