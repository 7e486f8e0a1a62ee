package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lathe export --format gguf}: TinyStories-656K written as F16, Q8_0 and Q4_0 GGUF files,
 * then run by {@code lathe generate} from the file alone (weights, tokenizer): the same greedy text
 * for 50 tokens as the Hugging Face directory (Q8_0: from BOS; Q4_0: as the directory held in Q4_0
 * with {@code --dtype q4_0}, the same blocks); bad calls exit 2 and write nothing.
 */
class ExportCommandTest {

  @TempDir Path dir;

  private static String generate(String model, String prompt, String... more) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "generate",
                "--model",
                model,
                "--prompt",
                prompt,
                "--temperature",
                "0",
                "--max-tokens",
                "50"));
    args.addAll(List.of(more));
    LatheRun run = LatheRun.of(args.toArray(String[]::new));
    assertThat(run.exit()).as(run.err()).isZero();
    return run.out();
  }

  @Test
  void aBf16FileGeneratesTheSameTextMappedAndOnTheHeap() throws Exception {
    String hf = SharedAssets.require("models/hf-TinyStories-656K").toString();
    Path out = dir.resolve("tiny-bf16.gguf");
    LatheRun run =
        LatheRun.of("export", "--format", "gguf", "--type", "bf16", "--out", out.toString(), hf);
    assertThat(run.exit()).as(run.err()).isZero();
    String expected = generate(hf, "Once upon a time", "--dtype", "bf16");
    assertThat(generate(out.toString(), "Once upon a time")).isNotBlank().isEqualTo(expected);
    assertThat(generate(out.toString(), "Once upon a time", "--mmap")).isEqualTo(expected);
  }

  @Test
  void f16AndQ8_0FilesGenerateTheDirectorysGreedyText() throws Exception {
    String hf = SharedAssets.require("models/hf-TinyStories-656K").toString();
    for (String type : new String[] {"f16", "q8_0"}) {
      Path out = dir.resolve("tiny-" + type + ".gguf");
      LatheRun run =
          LatheRun.of("export", "--format", "gguf", "--type", type, "--out", out.toString(), hf);
      assertThat(run.err()).isEmpty();
      assertThat(run.exit()).isZero();
      assertThat(run.out()).contains("wrote " + out).contains("(llama, " + type + ",");
      // Q8_0's agreement depends on the prompt on this tiny model: 59 tokens from BOS, 5 after
      // "Once upon a time" (near-tied logits); F16 agrees on both
      for (String prompt :
          type.equals("f16") ? new String[] {"", "Once upon a time"} : new String[] {""}) {
        String expected = generate(hf, prompt);
        assertThat(expected.length()).isGreaterThan(100);
        assertThat(generate(out.toString(), prompt)).as(type).isEqualTo(expected);
      }
    }
    assertThat(Files.readString(dir.resolve("Modelfile")))
        .contains("FROM ./tiny-q8_0.gguf\n")
        .contains("PARAMETER stop \"<|end_story|>\"");
  }

  @Test
  void aQ4_0FileGeneratesTheTextOfTheDirectoryHeldInQ4_0() throws Exception {
    String hf = SharedAssets.require("models/hf-TinyStories-656K").toString();
    Path out = dir.resolve("tiny-q4_0.gguf");
    LatheRun run =
        LatheRun.of("export", "--format", "gguf", "--type", "q4_0", "--out", out.toString(), hf);
    assertThat(run.err()).isEmpty();
    assertThat(run.exit()).isZero();
    assertThat(run.out()).contains("wrote " + out).contains("(llama, q4_0,");
    String expected = generate(hf, "Once upon a time", "--dtype", "q4_0");
    assertThat(expected.length()).isGreaterThan(100);
    assertThat(generate(out.toString(), "Once upon a time")).isEqualTo(expected);
    // a seventh of the f32 weights plus f32 norms: well under a third of the F16 file
    LatheRun f16 =
        LatheRun.of("export", "--format", "gguf", "--out", dir.resolve("tiny.gguf").toString(), hf);
    assertThat(f16.exit()).isZero();
    assertThat((double) Files.size(out) / Files.size(dir.resolve("tiny.gguf"))).isLessThan(0.34);
  }

  @Test
  void badCallsExitTwoAndWriteNothing() {
    String hf = SharedAssets.require("models/hf-TinyStories-656K").toString();
    Path out = dir.resolve("x.gguf");
    LatheRun format = LatheRun.of("export", "--format", "onnx", "--out", out.toString(), hf);
    assertThat(format.exit()).isEqualTo(2);
    assertThat(format.err()).contains("--format onnx is not supported: Lathe exports gguf");
    LatheRun type = LatheRun.of("export", "--type", "q4_k", "--out", out.toString(), hf);
    assertThat(type.exit()).isEqualTo(2);
    assertThat(type.err()).contains("GGUF type q4_k is not one Lathe writes");
    LatheRun missing =
        LatheRun.of("export", "--out", out.toString(), dir.resolve("nope").toString());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("nope");
    assertThat(dir.toFile().list()).isEmpty();
  }
}
