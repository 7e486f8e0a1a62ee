package dev.lathe.server;

import com.openai.client.OpenAIClient;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FilePurpose;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Small training files the server's tests upload. */
final class TrainingFiles {
  private TrainingFiles() {}

  /** Ten chat examples ("What does the dog say?" → "The dog says hello!"), one per line. */
  static String animals() {
    StringBuilder s = new StringBuilder();
    for (String a :
        List.of("dog", "cat", "bird", "cow", "frog", "duck", "fish", "bear", "lion", "pig")) {
      s.append("{\"messages\":[{\"role\":\"user\",\"content\":\"What does the ")
          .append(a)
          .append(" say?\"},{\"role\":\"assistant\",\"content\":\"The ")
          .append(a)
          .append(" says hello!\"}]}\n");
    }
    return s.toString();
  }

  /** Uploads {@link #animals()} as a fine-tune file; returns its id. */
  static String uploadAnimals(OpenAIClient client) {
    return upload(client, animals());
  }

  /** Uploads {@code content} as a fine-tune file; returns its id. */
  static String upload(OpenAIClient client, String content) {
    return upload(client, content.getBytes(StandardCharsets.UTF_8));
  }

  /** Uploads {@code bytes} as a fine-tune file; returns its id. */
  static String upload(OpenAIClient client, byte[] bytes) {
    return client
        .files()
        .create(FileCreateParams.builder().file(bytes).purpose(FilePurpose.FINE_TUNE).build())
        .id();
  }
}
