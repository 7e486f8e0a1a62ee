package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.SharedAssets;
import dev.lathe.transformer.AdapterSet;
import dev.lathe.transformer.GgmlType;
import dev.lathe.transformer.GgufFile;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelLoader;
import dev.lathe.transformer.train.LoraConfig;
import dev.lathe.transformer.train.TrainableModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LoRA fine-tune of TinyStories-656K exported to GGUF ({@link GgufExport}) from its adapter
 * directory and from its run directory, read back by Lathe: the logits of the fine-tune as served
 * (adapter over the base) within 1e-5 of the largest in F32 and 1e-2 in F16; and the Modelfile of
 * each chat format.
 */
class GgufExportTest {
  private static final int[] PROMPT = {1, 403, 404, 261, 1053, 14, 283};

  @TempDir Path dir;

  @Test
  void aLoraFineTuneExportsToTheLogitsItServes() throws Exception {
    Path baseDir = SharedAssets.require("models/hf-TinyStories-656K");
    LoadedModel base = ModelLoader.load(baseDir);
    LoraConfig lora = LoraConfig.of(4, 8, 0);
    TrainableModel trainer = RsLoraExportTest.randomAdapters(base, lora);
    Path run = dir.resolve("run");
    RunLayout layout = new RunLayout(run);
    ModelExport.writeAdapter(layout.adapter(), trainer, lora, baseDir.toString());
    ModelExport.writeMerged(layout.merged(), base, trainer, baseDir);
    float[] served = logits(base.model().withAdapters(AdapterSet.read(layout.adapter())));
    float[] unadapted = logits(base.model());
    assertThat(maxDiff(served, unadapted)).as("the adapter changes the logits").isGreaterThan(1e-2);

    GgufExport.Result f32 =
        GgufExport.export(
            layout.adapter(), dir.resolve("out/ft-f32.gguf"), GgmlType.F32, Optional.empty());
    assertThat(f32.architecture()).isEqualTo("llama");
    assertThat(f32.modelfile()).isEqualTo(dir.resolve("out/Modelfile").toAbsolutePath());
    assertThat(maxDiff(logits(ModelLoader.load(f32.gguf()).model()), served))
        .isLessThanOrEqualTo(1e-5 * maxAbs(served));
    try (var files = Files.list(dir.resolve("out"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("ft-f32.gguf", "Modelfile"); // the merge left nothing
    }

    GgufExport.Result f16 =
        GgufExport.export(run, dir.resolve("ft-f16.gguf"), GgmlType.F16, Optional.empty());
    assertThat(maxDiff(logits(ModelLoader.load(f16.gguf()).model()), served))
        .isLessThanOrEqualTo(1e-2 * maxAbs(served));
    try (GgufFile g = GgufFile.open(f16.gguf())) {
      assertThat(g.string("general.name")).isEqualTo("run");
      assertThat(g.string("tokenizer.ggml.model")).isEqualTo("llama");
      assertThat(g.integer("tokenizer.ggml.eos_token_id")).isEqualTo(2);
      assertThat(g.tensors().get("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.F16);
    }

    // a .gguf source is re-written with its tokenizer metadata unchanged
    GgufExport.Result q8 =
        GgufExport.export(f16.gguf(), dir.resolve("ft-q8.gguf"), GgmlType.Q8_0, Optional.empty());
    try (GgufFile a = GgufFile.open(f16.gguf());
        GgufFile b = GgufFile.open(q8.gguf())) {
      for (String key : a.metadata().keySet()) {
        if (key.startsWith("tokenizer.")) {
          assertThat(b.metadata().get(key)).as(key).isEqualTo(a.metadata().get(key));
        }
      }
      assertThat(b.string("general.name")).isEqualTo("ft-f16");
    }
  }

  @Test
  void sourcesThatCannotBeExportedAreRefusedByName() {
    Path empty = dir.resolve("empty");
    assertThatThrownBy(
            () -> {
              Files.createDirectories(empty);
              GgufExport.export(empty, dir.resolve("x.gguf"), GgmlType.F16, Optional.empty());
            })
        .hasMessageContaining("empty: not an exportable model");
    assertThatThrownBy(() -> GgufExport.type("q4_k"))
        .hasMessageContaining("GGUF type q4_k is not one Lathe writes");
    assertThat(dir.resolve("x.gguf")).doesNotExist();
  }

  @Test
  void modelfilesTranslateChatMlLlama3AndThePlainFormat() {
    String chatml = modelfile(1, "{% for m in messages %}<|im_start|>...");
    assertThat(chatml)
        .startsWith("# Ollama Modelfile written by Lathe")
        .contains("FROM ./m.gguf\n")
        .contains("TEMPLATE \"\"\"" + OllamaModelfile.CHATML + "\"\"\"\n")
        .contains("PARAMETER stop \"<|im_end|>\"\nPARAMETER stop \"<|im_start|>\"\n");
    String llama3 = modelfile(2, "{{ '<|start_header_id|>' + role }}");
    assertThat(llama3)
        .contains(OllamaModelfile.LLAMA3)
        .contains("PARAMETER stop \"<|eot_id|>\"\n")
        .contains("PARAMETER stop \"<|start_header_id|>\"\n");
    String plain = modelfile(3, null);
    assertThat(plain)
        .contains("Assistant: {{ .Response }}</s>\"\"\"")
        .contains(
            "PARAMETER stop \"</s>\"\nPARAMETER stop \"User:\"\nPARAMETER stop \"System:\"\n");
    String other = modelfile(3, "[INST] {{ messages }} [/INST]");
    assertThat(other)
        .doesNotContain("TEMPLATE")
        .contains("Ollama\n# uses the tokenizer.chat_template embedded in the GGUF file")
        .contains("PARAMETER stop \"</s>\"");
  }

  /** The Modelfile of a 4-token vocabulary with EOS {@code eos} and {@code template} (or none). */
  private static String modelfile(int eos, String template) {
    Map<String, Object> md = new HashMap<>();
    md.put("tokenizer.ggml.tokens", List.of("<unk>", "<|im_end|>", "<|eot_id|>", "</s>"));
    md.put("tokenizer.ggml.eos_token_id", eos);
    if (template != null) {
      md.put("tokenizer.chat_template", template);
    }
    return OllamaModelfile.of("m.gguf", md);
  }

  private static float[] logits(LanguageModel m) {
    float[] out = new float[m.vocabularySize()];
    m.forward(PROMPT, 0, PROMPT.length, m.newCache(PROMPT.length), out);
    return out;
  }

  private static double maxDiff(float[] a, float[] b) {
    double d = 0;
    for (int i = 0; i < a.length; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
    }
    return d;
  }

  private static double maxAbs(float[] a) {
    double m = 0;
    for (float x : a) {
      m = Math.max(m, Math.abs(x));
    }
    return m;
  }
}
