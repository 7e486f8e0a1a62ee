package dev.lathe.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * When the native library cannot be loaded, loading a tokenizer fails with a message saying what to
 * do. Run in a child JVM, since the library loads once per process.
 */
class NativeLibraryFailureTest {

  /** Child process: load a tokenizer and print the outcome. */
  public static void main(String[] args) {
    try (HfTokenizer tokenizer = HfTokenizer.load(Path.of(args[0]))) {
      System.out.println("LOADED " + tokenizer.vocabularySize());
    } catch (RuntimeException e) {
      System.out.println("FAILED " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  @Test
  void unloadableNativeLibraryGivesAClearError() throws Exception {
    Path gpt2 = SharedAssets.require("tokenizers/gpt2-hf");
    ProcessBuilder child =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                NativeLibraryFailureTest.class.getName(),
                gpt2.toString())
            .redirectErrorStream(true);
    // DJL's override for the library location, pointed at a file that does not exist.
    child.environment().put("RUST_LIBRARY_PATH", "/nonexistent/libtokenizers.so");
    Process process = child.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(output)
        .contains("FAILED IllegalStateException: cannot load the native Hugging Face tokenizers")
        .contains("RUST_LIBRARY_PATH")
        .contains("Nothing is downloaded");
  }
}
