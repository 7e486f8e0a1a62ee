package dev.lathe.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A corpus of broken copies of the real {@code stories260K.gguf}, each opened as the server and the
 * commands open a model ({@link ChatModel#open}): every one is an IOException that starts with the
 * file's path and says what is wrong and where (byte, key or tensor).
 */
class GgufCorruptFilesTest {

  @TempDir Path dir;

  private static byte[] original() throws IOException {
    return Files.readAllBytes(SharedAssets.require("models/gguf/stories260K.gguf"));
  }

  /** Opens a copy of the file changed by {@code change}; expects an error with {@code message}. */
  private void refused(String name, Consumer<byte[]> change, String message) throws IOException {
    byte[] bytes = original();
    change.accept(bytes);
    refusedBytes(name, bytes, message);
  }

  private void refusedBytes(String name, byte[] bytes, String message) throws IOException {
    Path file = dir.resolve(name + ".gguf");
    Files.write(file, bytes);
    HubSettings hub =
        new HubSettings(HubSettings.DEFAULT_ENDPOINT, Optional.empty(), dir.resolve("hub"), true);
    assertThatThrownBy(() -> ChatModel.open(file.toString(), Optional.empty(), hub))
        .as(name)
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith(file.toString())
        .hasMessageContaining(message);
  }

  @Test
  void theUnbrokenFileOpens() throws Exception {
    Path file = dir.resolve("ok.gguf");
    Files.write(file, original());
    HubSettings hub =
        new HubSettings(HubSettings.DEFAULT_ENDPOINT, Optional.empty(), dir.resolve("hub"), true);
    try (ChatModel m = ChatModel.open(file.toString(), Optional.empty(), hub)) {
      assertThat(m.tokenizer().vocabularySize()).isEqualTo(512);
    }
  }

  @Test
  void headerDamage() throws IOException {
    refused("magic", b -> b[0] = 'X', "not a GGUF file: byte 0 holds");
    refused("version", b -> b[4] = 9, "GGUF version 9 at byte 4 is not supported");
    byte[] all = original();
    refusedBytes("header-cut", Arrays.copyOf(all, 3000), "truncated");
    refusedBytes("data-cut", Arrays.copyOf(all, all.length - 100), "truncated: tensor");
    refused(
        "value-type",
        b -> putInt(b, after(b, "general.architecture"), 13),
        "metadata general.architecture has unknown value type 13");
  }

  @Test
  void architectureAndTokenizerLatheCannotRun() throws IOException {
    refused(
        "arch",
        b -> replaceValue(b, "general.architecture", "bloom"),
        "general.architecture bloom is not supported: Lathe runs GGUF [llama, qwen2, qwen3]");
    refused(
        "vocab",
        b -> replaceValue(b, "tokenizer.ggml.model", "bert!"),
        "tokenizer.ggml.model bert! is not supported");
  }

  @Test
  void tensorInfoDamage() throws IOException {
    // blk.0.attn_q.weight: u32 n_dims = 2, u64 ne[0] = 64, u64 ne[1] = 64, u32 type, u64 offset
    String q = "blk.0.attn_q.weight";
    refused(
        "type-q4_1",
        b -> putInt(b, after(b, q) + 4 + 16, 3),
        "tensor blk.0.attn_q.weight has ggml type 3 (Q4_1), which Lathe does not read");
    refused(
        "type-unknown",
        b -> putInt(b, after(b, q) + 4 + 16, 99),
        "tensor blk.0.attn_q.weight has ggml type 99, which Lathe does not read");
    refused(
        "offset-out-of-bounds",
        b -> putLong(b, after(b, q) + 4 + 16 + 4, 1L << 40),
        "truncated: tensor blk.0.attn_q.weight ends at byte");
    refused(
        "offset-misaligned",
        b -> putLong(b, after(b, q) + 4 + 16 + 4, getLong(b, after(b, q) + 24) + 4),
        "tensor blk.0.attn_q.weight starts at data offset");
    refused(
        "shape",
        b -> putLong(b, after(b, q) + 4 + 8, 32),
        "tensor blk.0.attn_q.weight has shape [32, 64], the metadata implies [64, 64]");
    refused(
        "dims",
        b -> putInt(b, after(b, q), 7),
        "tensor blk.0.attn_q.weight has 7 dimensions (GGUF allows 1 to 4)");
  }

  /** The byte after the first occurrence of the GGUF string {@code s} (its length, then bytes). */
  private static int after(byte[] b, String s) {
    byte[] needle = s.getBytes(StandardCharsets.UTF_8);
    outer:
    for (int i = 8; i + needle.length <= b.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (b[i + j] != needle[j]) {
          continue outer;
        }
      }
      if (getLong(b, i - 8) == needle.length) {
        return i + needle.length;
      }
    }
    throw new AssertionError(s + " not found");
  }

  /** Overwrites the STRING value of metadata {@code key} with one of the same length. */
  private static void replaceValue(byte[] b, String key, String value) {
    int at = after(b, key);
    assertThat(getInt(b, at)).isEqualTo(8);
    assertThat(getLong(b, at + 4)).isEqualTo(value.length());
    byte[] v = value.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(v, 0, b, at + 12, v.length);
  }

  private static ByteBuffer le(byte[] b) {
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static int getInt(byte[] b, int at) {
    return le(b).getInt(at);
  }

  private static long getLong(byte[] b, int at) {
    return le(b).getLong(at);
  }

  private static void putInt(byte[] b, int at, int v) {
    le(b).putInt(at, v);
  }

  private static void putLong(byte[] b, int at, long v) {
    le(b).putLong(at, v);
  }
}
