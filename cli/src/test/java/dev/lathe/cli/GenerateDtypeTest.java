package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --dtype} and {@code --kv-cache-dtype} on {@code generate} and {@code serve}: weights
 * quantized on load, caches held in bf16, and bad values refused.
 */
class GenerateDtypeTest {

  private static String[] greedy50(String model, String dtype) {
    return new String[] {
      "generate", "--model", model, "--temperature", "0", "--max-tokens", "50", "--dtype", dtype
    };
  }

  /** Greedy text of {@code model} held in Q8_0 equals that held in f32 (dtype names any case). */
  private static void q8AgreesWithF32(String model, String f32Name, String q8Name) {
    LatheRun f32 = LatheRun.of(greedy50(model, f32Name));
    LatheRun q8 = LatheRun.of(greedy50(model, q8Name));
    assertThat(f32.exit()).isZero();
    assertThat(q8.err()).isEmpty();
    assertThat(q8.exit()).isZero();
    assertThat(q8.out()).isNotBlank().isEqualTo(f32.out());
  }

  @Test
  void q8GreedyTextAgreesWithF32For50TokensOnStories260K() {
    q8AgreesWithF32(
        SharedAssets.require("models/llama2c-stories260K/stories260K.bin").toString(),
        "f32",
        "q8_0");
  }

  @Test
  void q8GreedyTextAgreesWithF32For50TokensOnTinyStories656K() {
    q8AgreesWithF32(SharedAssets.require("models/hf-TinyStories-656K").toString(), "F32", "Q8_0");
  }

  @Test
  void anUnknownDtypeIsRefusedByNameWithTheChoices() {
    String bin = SharedAssets.require("models/llama2c-stories260K/stories260K.bin").toString();
    LatheRun run = LatheRun.of(greedy50(bin, "q4_k"));
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err())
        .contains("--dtype q4_k is not a weight type: use f32, bf16, q8_0 or q4_0");
  }

  @Test
  void serveRefusesAnUnknownDtypeNamingTheFlagBeforeStarting(@TempDir Path dir) {
    LatheRun run =
        LatheRun.of(
            "serve", "--port", "0", "--data-dir", dir.resolve("data").toString(), "--dtype", "q4");
    assertThat(run.exit()).isEqualTo(1);
    assertThat(run.err()).contains("--dtype q4 is not a weight type: use f32, bf16, q8_0 or q4_0");
  }

  @Test
  void aBf16CacheGivesTheF32CachesGreedyTextOnStories260K() {
    String bin = SharedAssets.require("models/llama2c-stories260K/stories260K.bin").toString();
    LatheRun f32 = LatheRun.of(greedy50(bin, "f32"));
    String[] args = greedy50(bin, "f32");
    String[] bf16Args = java.util.Arrays.copyOf(args, args.length + 2);
    bf16Args[args.length] = "--kv-cache-dtype";
    bf16Args[args.length + 1] = "BF16";
    LatheRun bf16 = LatheRun.of(bf16Args);
    assertThat(bf16.err()).isEmpty();
    assertThat(bf16.exit()).isZero();
    assertThat(bf16.out()).isNotBlank().isEqualTo(f32.out());
  }

  @Test
  void anUnknownCacheDtypeIsRefusedByNameWithTheChoices(@TempDir Path dir) {
    String bin = SharedAssets.require("models/llama2c-stories260K/stories260K.bin").toString();
    LatheRun run = LatheRun.of("generate", "--model", bin, "--kv-cache-dtype", "f16");
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err())
        .contains("--kv-cache-dtype f16 is not a key/value cache type: use f32 or bf16");
    LatheRun serve =
        LatheRun.of(
            "serve",
            "--port",
            "0",
            "--data-dir",
            dir.resolve("data").toString(),
            "--kv-cache-dtype",
            "q8_0");
    assertThat(serve.exit()).isEqualTo(1);
    assertThat(serve.err())
        .contains("--kv-cache-dtype q8_0 is not a key/value cache type: use f32 or bf16");
  }
}
