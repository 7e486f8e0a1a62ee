package dev.lathe.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.tokenizer.tools.ToolCallFormat;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.LoraModules;
import dev.lathe.transformer.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fine-tune opened over the real TinyStories-656K model shares its weights and tokenizer. */
class ChatModelAdapterTest {
  @TempDir Path dir;

  /** A rank-4 PEFT adapter on every q_proj and v_proj of a model with the given sizes. */
  private Path adapter(String name, int dim, int kvDim, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
    for (int l = 0; l < 2; l++) {
      for (String target : new String[] {"q_proj", "v_proj"}) {
        String module = LoraModules.llama(l, target);
        int out = target.equals("q_proj") ? dim : kvDim;
        t.put(LoraModules.loraA(module), random(r, 4, dim));
        t.put(LoraModules.loraB(module), random(r, out, 4));
      }
    }
    Path d = Files.createDirectories(dir.resolve(name));
    SafetensorsWriter.write(d.resolve("adapter_model.safetensors"), t, Map.of(), DType.F32);
    Files.writeString(
        d.resolve("adapter_config.json"),
        "{\"peft_type\": \"LORA\", \"r\": 4, \"lora_alpha\": 8, \"target_modules\": [\"q_proj\","
            + " \"v_proj\"]}");
    return d;
  }

  private static SafetensorsWriter.Tensor random(SplittableRandom r, int rows, int cols) {
    float[] v = new float[rows * cols];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1) * 0.5f;
    }
    return new SafetensorsWriter.Tensor(new long[] {rows, cols}, v);
  }

  private static String story(ChatModel m) {
    return new Generator(m.model(), m.tokenizer(), () -> 0L)
        .generate(
            m.prompts().prompt(""), GenerationRequest.of(SamplingParams.GREEDY).withMaxTokens(16))
        .text();
  }

  @Test
  void aFineTuneSharesTheBaseAndClosingItLeavesTheBaseOpen() throws Exception {
    Path tiny = SharedAssets.require("models/hf-TinyStories-656K");
    try (ChatModel base = ChatModel.open(tiny.toString(), Optional.empty(), null)) {
      String plain = story(base);
      assertThat(plain).startsWith("Once upon a time, there was a little girl named Lily");
      String tuned;
      try (ChatModel fineTune = base.withAdapter(adapter("a", 128, 64, 1))) {
        assertThat(fineTune.tokenizer()).isSameAs(base.tokenizer());
        tuned = story(fineTune);
        assertThat(tuned).isNotEqualTo(plain);
        assertThat(story(base.withAdapter(adapter("b", 128, 64, 2)))).isNotEqualTo(tuned);
      }
      // the base is untouched and still open (its tokenizer too)
      assertThat(story(base)).isEqualTo(plain);
      assertThat(story(base.withAdapter(dir.resolve("a")))).isEqualTo(tuned);
    }
  }

  @Test
  void aTemplatelessModelTakesToolsInLathesPlainFormat() throws Exception {
    Path tiny = SharedAssets.require("models/hf-TinyStories-656K");
    try (ChatModel base = ChatModel.open(tiny.toString(), Optional.empty(), null)) {
      assertThat(base.toolCallFormat()).contains(ToolCallFormat.LATHE_PLAIN);
      List<Map<String, Object>> tools =
          List.of(Map.of("type", "function", "function", Map.of("name", "now")));
      int[] ids = base.conversation(List.of(ChatMessage.user("Time?")), tools);
      assertThat(ids[0]).isEqualTo(1); // <|start_story|>, as for any plain-format prompt
      assertThat(base.tokenizer().decode(Arrays.copyOfRange(ids, 1, ids.length)))
          .isEqualTo("<tool> now $o$c\nUser: Time?\nAssistant: ");
      assertThat(base.conversation(List.of(ChatMessage.user("Time?"))))
          .isEqualTo(base.conversation(List.of(ChatMessage.user("Time?")), List.of()));
    }
  }

  @Test
  void anAdapterForAnotherBaseIsAnIoErrorNamingTheTensor() throws Exception {
    Path tiny = SharedAssets.require("models/hf-TinyStories-656K");
    try (ChatModel base = ChatModel.open(tiny.toString(), Optional.empty(), null)) {
      Path wrong = adapter("wide", 256, 64, 3);
      assertThatThrownBy(() -> base.withAdapter(wrong))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("model.layers.0.self_attn.q_proj.lora_A.weight")
          .hasMessageContaining("[4, 256]")
          .hasMessageContaining("[4, 128]");
      assertThatThrownBy(() -> base.withAdapter(dir.resolve("none")))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("adapter_config.json");
    }
  }
}
