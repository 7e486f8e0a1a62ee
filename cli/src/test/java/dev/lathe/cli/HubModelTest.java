package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.lathe.inference.GenerationRequest;
import dev.lathe.inference.Generator;
import dev.lathe.inference.HubSettings;
import dev.lathe.inference.SamplingParams;
import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Hub repo id as the model argument: fetched from a Hub on 127.0.0.1, loaded, run. */
class HubModelTest {
  private static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";

  /** Serves {@code directory} as repository {@code repoId} (listing and plain downloads). */
  private static HttpServer serve(String repoId, Path directory) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.startsWith("/api/models/" + repoId + "/revision/")) {
              String siblings;
              try (Stream<Path> files = Files.list(directory)) {
                siblings =
                    files
                        .map(f -> "{\"rfilename\":\"" + f.getFileName() + "\"}")
                        .collect(Collectors.joining(","));
              }
              send(exchange, "{\"sha\":\"" + COMMIT + "\",\"siblings\":[" + siblings + "]}");
            } else if (path.startsWith("/" + repoId + "/resolve/" + COMMIT + "/")) {
              Path file = directory.resolve(path.substring(path.lastIndexOf('/') + 1));
              byte[] body = Files.readAllBytes(file);
              exchange.sendResponseHeaders(200, body.length);
              exchange.getResponseBody().write(body);
            } else {
              exchange.sendResponseHeaders(404, -1);
            }
          }
        });
    server.start();
    return server;
  }

  private static void send(HttpExchange exchange, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, body.length);
    exchange.getResponseBody().write(body);
  }

  @Test
  void aRepoIdIsFetchedIntoTheCacheThenLoadedAndRun(@TempDir Path cache) throws Exception {
    Path source = SharedAssets.require("models/hf-TinyStories-656K");
    HttpServer server = serve("lathe-test/TinyStories-656K", source);
    try {
      URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
      HubSettings hub = new HubSettings(endpoint, Optional.empty(), cache, false);
      try (RunnableModel model =
          RunnableModel.open("lathe-test/TinyStories-656K@main", Optional.empty(), hub)) {
        String text =
            new Generator(model.model(), model.tokenizer(), () -> 0L)
                .generate(
                    model.prompts().prompt(""),
                    GenerationRequest.of(SamplingParams.GREEDY).withMaxTokens(12))
                .text();
        assertThat(text).startsWith("Once upon a time, there was a little girl named Lily");
      }
      assertThat(cache.resolve("models--lathe-test--TinyStories-656K/refs/main"))
          .hasContent(COMMIT);
    } finally {
      server.stop(0);
    }
  }
}
