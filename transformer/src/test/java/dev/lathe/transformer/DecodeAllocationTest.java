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
 * object; for f32, bf16 (on the heap and read from a mapped checkpoint), Q8_0 and Q4_0 weights (and
 * bf16 weights with a bf16 key/value cache), on a model whose products run on the calling thread
 * and one whose fused products run on the pool. Measured in a child JVM that only decodes ({@link
 * DecodeAllocation}), so the JIT compiles the kernels for the decode path as a serving process
 * would; one byte allocated in every round of 60 steps fails it.
 */
class DecodeAllocationTest {

  @Test
  void aWarmDecodeStepAllocatesNothing() throws Exception {
    List<String> lines = childJvm("F32", "BF16", "BF16_MAPPED", "Q8_0", "Q4_0", "BF16_KV");
    System.out.println(
        "least bytes allocated by 60 warm decode steps at positions 0-60 and 400-460, medium and"
            + " wide model: "
            + lines);
    assertThat(lines)
        .containsExactly(
            "F32 0 0 0 0",
            "BF16 0 0 0 0",
            "BF16_MAPPED 0 0 0 0",
            "Q8_0 0 0 0 0",
            "Q4_0 0 0 0 0",
            "BF16_KV 0 0 0 0");
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
