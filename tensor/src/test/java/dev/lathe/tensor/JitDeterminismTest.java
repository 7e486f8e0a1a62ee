package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The Vector API runs in a plain-Java fallback until C2 compiles a kernel; any operation whose
 * fallback and intrinsic give different bits (an unordered {@code reduceLanes(ADD)}, a vector
 * {@code EXP}/{@code TANH} computed by another math library, which disagrees with the fallback on a
 * few inputs in a thousand) makes the same call return other numbers once the JIT kicks in. These
 * tests compare a kernel's bits in a child JVM that only interprets ({@code -Xint}) with the bits
 * here after enough calls for C2 to compile it.
 */
class JitDeterminismTest {

  @Test
  void interpretedAndCompiledKernelsGiveTheSameBits() throws Exception {
    List<String> interpreted = childJvm("-Xint");
    List<String> first = KernelBits.run();
    for (int i = 0; i < 30_000; i++) {
      KernelBits.run(KernelBits.C); // few inputs: the same code, compiled sooner
    }
    List<String> compiled = KernelBits.run();
    assertThat(first).as("first call in this JVM vs after 30k calls").isEqualTo(compiled);
    assertThat(compiled).as("interpreted child JVM vs compiled here").isEqualTo(interpreted);
  }

  private static List<String> childJvm(String mode) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                mode,
                "--add-modules",
                "jdk.incubator.vector",
                "-cp",
                System.getProperty("java.class.path"),
                KernelBits.class.getName())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("child JVM finished").isTrue();
    assertThat(p.exitValue()).as("child JVM exit code").isZero();
    return text.lines().toList();
  }
}
