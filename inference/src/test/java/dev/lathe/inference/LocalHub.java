package dev.lathe.inference;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * A small Hugging Face Hub on 127.0.0.1 for tests: serves one repository from a directory through
 * the two endpoints Lathe uses (the model info API and {@code resolve}), with HTTP ranges, LFS
 * checksums and optional faults (a connection cut midway, a corrupted body, a required token).
 */
final class LocalHub implements AutoCloseable {
  static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";

  private final HttpServer server;
  private final String repoId;
  private final Path directory;
  private final Set<String> lfsFiles;
  final List<String> requests = new CopyOnWriteArrayList<>();
  final Map<String, String> rangeHeaders = new ConcurrentHashMap<>();
  volatile String cutAfterHalfOf; // file whose next download breaks off halfway
  volatile String corrupt; // file served with one byte flipped
  volatile boolean listLfsChecksums = true; // else only X-Linked-Etag carries them
  volatile String requiredToken;

  LocalHub(String repoId, Path directory, Set<String> lfsFiles) throws IOException {
    this.repoId = repoId;
    this.directory = directory;
    this.lfsFiles = Set.copyOf(lfsFiles);
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      requests.add(path);
      if (requiredToken != null
          && !("Bearer " + requiredToken)
              .equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        send(exchange, 401, "{\"error\":\"Invalid credentials\"}".getBytes(StandardCharsets.UTF_8));
        return;
      }
      String api = "/api/models/" + repoId + "/revision/";
      String resolve = "/" + repoId + "/resolve/" + COMMIT + "/";
      if (path.startsWith(api)) {
        send(exchange, 200, info().getBytes(StandardCharsets.UTF_8));
      } else if (path.startsWith(resolve)) {
        serveFile(exchange, path.substring(resolve.length()));
      } else {
        send(
            exchange, 404, "{\"error\":\"Repository not found\"}".getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private String info() throws IOException {
    StringBuilder siblings = new StringBuilder();
    try (Stream<Path> files = Files.list(directory)) {
      for (Path file : files.sorted().toList()) {
        String name = file.getFileName().toString();
        if (!siblings.isEmpty()) {
          siblings.append(',');
        }
        siblings
            .append("{\"rfilename\":\"")
            .append(name)
            .append("\",\"size\":")
            .append(Files.size(file));
        if (lfsFiles.contains(name) && listLfsChecksums) {
          siblings
              .append(",\"lfs\":{\"sha256\":\"")
              .append(HubDownloader.sha256(file))
              .append("\",\"size\":")
              .append(Files.size(file))
              .append('}');
        }
        siblings.append('}');
      }
    }
    return "{\"id\":\"" + repoId + "\",\"sha\":\"" + COMMIT + "\",\"siblings\":[" + siblings + "]}";
  }

  private void serveFile(HttpExchange exchange, String name) throws IOException {
    Path file = directory.resolve(name);
    if (!Files.isRegularFile(file)) {
      send(exchange, 404, "Entry not found".getBytes(StandardCharsets.UTF_8));
      return;
    }
    byte[] bytes = Files.readAllBytes(file);
    if (lfsFiles.contains(name)) {
      exchange.getResponseHeaders().add("X-Linked-Etag", "\"" + HubDownloader.sha256(file) + "\"");
    }
    if (name.equals(corrupt)) {
      bytes[bytes.length / 3] ^= 0x5A;
    }
    String range = exchange.getRequestHeaders().getFirst("Range");
    int from = 0;
    if (range != null) {
      rangeHeaders.put(name, range);
      from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
      exchange
          .getResponseHeaders()
          .add("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
    }
    int length = bytes.length - from;
    exchange.sendResponseHeaders(range != null ? 206 : 200, length);
    OutputStream out = exchange.getResponseBody();
    if (name.equals(cutAfterHalfOf)) {
      cutAfterHalfOf = null;
      out.write(bytes, from, length / 2);
      out.flush();
      throw new IOException("test hub: connection cut on purpose"); // closes the connection
    }
    out.write(bytes, from, length);
  }

  private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
