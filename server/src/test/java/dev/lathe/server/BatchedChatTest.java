package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chat Completions sent at once over HTTP to a real server decode in shared steps and answer what
 * each answers alone; a system prompt they share is served from the prefix cache, as {@code
 * /metrics} shows.
 */
class BatchedChatTest {
  @TempDir Path dataDir;

  private static ChatCompletionCreateParams request(int i) {
    return ChatCompletionCreateParams.builder()
        .model("tinystories-656k")
        .addSystemMessage("You tell short stories about animals that live in the forest.")
        .addUserMessage("Tell me about animal number " + i + ".")
        .temperature(i % 2 == 0 ? 0.0 : 0.8)
        .seed(7 + i)
        .maxCompletionTokens(24 + 4 * i)
        .build();
  }

  private static String answer(OpenAIClient client, int i) {
    ChatCompletion c = client.chat().completions().create(request(i));
    return c.choices().get(0).message().content().orElse("");
  }

  @Test
  void concurrentChatsAnswerWhatEachAnswersAloneAndReuseTheirSystemPrompt() throws Exception {
    try (TestServer server = new TestServer(dataDir)) {
      OpenAIClient client = server.client(TestServer.KEY_A);
      int n = 6;
      List<String> alone = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        alone.add(answer(client, i));
      }
      Scrape before = Scrape.of(server.server.port(), null);
      ExecutorService pool = Executors.newFixedThreadPool(n);
      try {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> together = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          int k = i;
          together.add(
              pool.submit(
                  () -> {
                    go.await();
                    return answer(client, k);
                  }));
        }
        go.countDown();
        for (int i = 0; i < n; i++) {
          assertThat(together.get(i).get()).as("answer %d", i).isEqualTo(alone.get(i));
        }
      } finally {
        pool.shutdownNow();
      }
      Scrape after = Scrape.of(server.server.port(), null);
      double steps =
          after.value("lathe_decode_steps_total", "use", "api")
              - before.value("lathe_decode_steps_total", "use", "api");
      double rows =
          after.value("lathe_decode_step_rows_total", "use", "api")
              - before.value("lathe_decode_step_rows_total", "use", "api");
      assertThat(rows / steps).as("rows per step while the %d ran together", n).isGreaterThan(1.5);
      // the first chat missed; every later one reused at least the shared system prompt
      assertThat(after.value("lathe_prefix_cache_hits_total", "use", "api")).isEqualTo(2 * n - 1);
      assertThat(after.value("lathe_prefix_cache_tokens_total", "use", "api"))
          .isGreaterThan(10.0 * (2 * n - 1));
      assertThat(after.value("lathe_prefix_cache_bytes", "use", "api")).isPositive();
    }
  }
}
