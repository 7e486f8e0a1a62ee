package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.MultipartField;
import com.openai.core.http.HttpResponse;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import dev.lathe.server.files.FileRoutes;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multi-megabyte uploads (issue #5): through the official SDK as a byte array (its multipart {@code
 * file} part may carry no filename, which Jetty's servlet part handling capped at 200,000 bytes as
 * a form field) and as a named stream, and as curl-style multipart with and without a filename,
 * each stored byte for byte; a body over the upload limit answers a 413 in OpenAI's envelope
 * whether or not it declares its length, and leaves nothing behind.
 */
class FileUploadTest {
  static final long LIMIT = 8L * 1024 * 1024;
  static final String BOUNDARY = "lathe-upload-boundary";

  @TempDir static Path dataDir;
  static TestServer server;
  static OpenAIClient client;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws IOException {
    server = new TestServer(dataDir, LIMIT);
    client = server.client(TestServer.KEY_A);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** Valid chat-format lines, about {@code bytes} long, different on every line. */
  static byte[] jsonl(int bytes) {
    StringBuilder s = new StringBuilder(bytes + 200);
    for (int i = 0; s.length() < bytes; i++) {
      s.append("{\"messages\": [{\"role\": \"user\", \"content\": \"question ")
          .append(i)
          .append("\"}, {\"role\": \"assistant\", \"content\": \"answer ")
          .append(Integer.toHexString(i * 7919))
          .append("\"}]}\n");
    }
    return s.toString().getBytes(StandardCharsets.UTF_8);
  }

  static byte[] stored(String id) throws IOException {
    try (HttpResponse r = client.files().content(id);
        InputStream in = r.body()) {
      return in.readAllBytes();
    }
  }

  static String sha256(byte[] bytes) throws NoSuchAlgorithmException {
    return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  @Test
  void theSdksByteArrayUploadOfSeveralMegabytesIsStored() throws Exception {
    byte[] content = jsonl(5 * 1024 * 1024);
    FileObject file =
        client
            .files()
            .create(
                FileCreateParams.builder().file(content).purpose(FilePurpose.FINE_TUNE).build());
    assertThat(file.bytes()).isEqualTo(content.length);
    assertThat(file.filename()).isNotBlank();
    assertThat(sha256(stored(file.id()))).isEqualTo(sha256(content));
  }

  @Test
  void theSdksNamedStreamUploadKeepsItsName() throws Exception {
    byte[] content = jsonl(3 * 1024 * 1024);
    FileObject file =
        client
            .files()
            .create(
                FileCreateParams.builder()
                    .file(
                        MultipartField.<InputStream>builder()
                            .value(new ByteArrayInputStream(content))
                            .filename("big-train.jsonl")
                            .build())
                    .purpose(FilePurpose.FINE_TUNE)
                    .build());
    assertThat(file.filename()).isEqualTo("big-train.jsonl");
    assertThat(file.bytes()).isEqualTo(content.length);
    assertThat(sha256(stored(file.id()))).isEqualTo(sha256(content));
  }

  /** A curl-style body: the purpose field, then the file part with or without a filename. */
  static byte[] multipart(String filename, byte[] content) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 512);
    String head =
        "--"
            + BOUNDARY
            + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nfine-tune\r\n--"
            + BOUNDARY
            + "\r\nContent-Disposition: form-data; name=\"file\""
            + (filename == null ? "" : "; filename=\"" + filename + "\"")
            + "\r\nContent-Type: application/octet-stream\r\n\r\n";
    out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(content);
    out.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  static java.net.http.HttpResponse<String> post(HttpRequest.BodyPublisher body)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(server.uri("/files"))
            .header("Authorization", "Bearer " + TestServer.KEY_A)
            .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
            .POST(body)
            .build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void curlStyleUploadsWithAndWithoutAFilenameAreStored() throws Exception {
    ObjectMapper json = new ObjectMapper();
    byte[] content = jsonl(2 * 1024 * 1024);
    for (String name : new String[] {"curl.jsonl", null}) {
      var response = post(HttpRequest.BodyPublishers.ofByteArray(multipart(name, content)));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonNode file = json.readTree(response.body());
      assertThat(file.get("filename").asText())
          .isEqualTo(name == null ? FileRoutes.DEFAULT_NAME : name);
      assertThat(file.get("bytes").asLong()).isEqualTo(content.length);
      assertThat(sha256(stored(file.get("id").asText()))).isEqualTo(sha256(content));
    }
  }

  @Test
  void aBodyOverTheLimitIsA413WithOrWithoutADeclaredLength() throws Exception {
    ObjectMapper json = new ObjectMapper();
    byte[] body = multipart(null, jsonl((int) LIMIT + 1024));
    long before = countFiles();
    // declared length (refused before reading) and chunked (refused by the streaming parser)
    for (HttpRequest.BodyPublisher publisher :
        new HttpRequest.BodyPublisher[] {
          HttpRequest.BodyPublishers.ofByteArray(body),
          HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))
        }) {
      var response = post(publisher);
      assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
      JsonNode error = json.readTree(response.body()).get("error");
      assertThat(error.get("message").asText()).contains("upload limit of " + LIMIT);
      assertThat(error.get("param").asText()).isEqualTo("file");
      assertThat(error.get("code").asText()).isEqualTo("file_too_large");
    }
    assertThat(countFiles()).isEqualTo(before);
    try (var spooled = Files.list(dataDir.resolve("tmp"))) {
      assertThat(spooled).as("spooled parts are deleted").isEmpty();
    }
  }

  static long countFiles() throws IOException {
    try (var stored = Files.list(dataDir.resolve("files"))) {
      return stored.count();
    }
  }
}
