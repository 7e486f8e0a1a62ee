package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Once the JIT has compiled it, a batched decode step of eight rows (a base and a LoRA fine-tune of
 * it) allocates nothing, for f32, bf16, Q8_0 and Q4_0 weights. Measured in a child JVM that only
 * decodes ({@link BatchDecodeAllocation}), as a serving process's decode loop runs; one byte in
 * every round fails it. Q8_0 runs again last, in a step compiled after other formats: that step had
 * left the SwiGLU's exponential un-inlined and allocated in some runs.
 */
class BatchDecodeAllocationTest {

  @Test
  void aWarmBatchedDecodeStepAllocatesNothing() throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules",
                "jdk.incubator.vector",
                "-cp",
                System.getProperty("java.class.path"),
                BatchDecodeAllocation.class.getName(),
                "F32",
                "BF16",
                "BF16_MAPPED",
                "Q8_0",
                "Q4_0",
                "BF16_SMOL",
                "BF16_KV_SMOL",
                "Q8_0")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    List<String> lines =
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("child JVM finished").isTrue();
    assertThat(p.exitValue()).as("child JVM exit code").isZero();
    System.out.println("least bytes allocated by 40 warm batched steps of 8 rows: " + lines);
    assertThat(lines)
        .containsExactly(
            "F32 0",
            "BF16 0",
            "BF16_MAPPED 0",
            "Q8_0 0",
            "Q4_0 0",
            "BF16_SMOL 0",
            "BF16_KV_SMOL 0",
            "Q8_0 0");
  }
}
