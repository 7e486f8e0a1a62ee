package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Once the JIT has compiled the decode path, a decode step allocates nothing: no per-step buffer,
 * no task object or lambda per parallel loop, no message string, no boxed value, no escaping vector
 * object; for f32 weights (bf16: see the test). Measured in a child JVM that only decodes ({@link
 * DecodeAllocation}), so the JIT compiles the kernels for the decode path as a serving process
 * would; one byte allocated in every round of 60 steps fails it.
 */
class DecodeAllocationTest {

  @Test
  void aWarmDecodeStepAllocatesNothing() throws Exception {
    // f32 only: with bf16 weights the compiled bf16 mat-vec (MatVec.dot4) still allocates its
    // accumulator sums (a.add(b) before the lane reduction falls back to the Java path): 81 KB a
    // step in every round, open in the serving-speed issue
    for (String dtype : List.of("F32")) {
      List<String> lines = childJvm(dtype);
      System.out.println(
          "least bytes allocated by 60 warm decode steps at positions 0-60 and 400-460: " + lines);
      assertThat(lines).containsExactly(dtype + " 0 0");
    }
  }

  private static List<String> childJvm(String... dtypes) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                java.toString(),
                "--add-modules",
                "jdk.incubator.vector",
                "-cp",
                System.getProperty("java.class.path"),
                DecodeAllocation.class.getName()));
    cmd.addAll(List.of(dtypes));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("child JVM finished").isTrue();
    assertThat(p.exitValue()).as("child JVM exit code").isZero();
    return text.lines().toList();
  }
}
