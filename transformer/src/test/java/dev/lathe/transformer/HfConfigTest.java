package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.tensor.Rope;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfConfigTest {

  private static HfConfig parse(String json) {
    return HfConfig.fromJson(Json.parseObject(json, "config.json"), "config.json");
  }

  @Test
  void qwen2HasQkvBiasAndUsesRotateHalfRope() {
    LlamaConfig c =
        parse(
                "{\"model_type\": \"qwen2\", \"hidden_size\": 896, \"intermediate_size\": 4864,"
                    + " \"num_hidden_layers\": 24, \"num_attention_heads\": 14,"
                    + " \"num_key_value_heads\": 2, \"max_position_embeddings\": 32768,"
                    + " \"vocab_size\": 151936, \"rope_theta\": 1000000.0, \"rms_norm_eps\": 1e-06,"
                    + " \"tie_word_embeddings\": true}")
            .toLlama();
    assertThat(c.attentionBias()).isTrue();
    assertThat(c.outputBias()).isFalse(); // Qwen2's o_proj has no bias
    assertThat(c.qkNorm()).isFalse();
    assertThat(c.headDim()).isEqualTo(64);
    assertThat(c.ropeStyle()).isEqualTo(Rope.Style.ROTATE_HALF);
    assertThat(c.ropeTheta()).isEqualTo(1e6);
  }

  @Test
  void llama3RopeScalingAndQwen3HeadDimAreRead() {
    HfConfig llama =
        parse(
            "{\"model_type\": \"llama\", \"attention_bias\": true, \"hidden_size\": 2048,"
                + " \"intermediate_size\": 8192, \"num_hidden_layers\": 16, \"num_attention_heads\": 32,"
                + " \"num_key_value_heads\": 8, \"max_position_embeddings\": 131072,"
                + " \"vocab_size\": 128256, \"rope_theta\": 500000.0, \"rope_scaling\":"
                + " {\"factor\": 32.0, \"high_freq_factor\": 4.0, \"low_freq_factor\": 1.0,"
                + " \"original_max_position_embeddings\": 8192, \"rope_type\": \"llama3\"}}");
    assertThat(llama.ropeScaling().type()).isEqualTo("llama3");
    assertThat(llama.ropeScaling().factor()).isEqualTo(32);
    assertThat(llama.ropeScaling().originalMaxPositions()).isEqualTo(8192);
    assertThat(llama.tieWordEmbeddings()).isFalse(); // transformers' Llama default
    assertThat(llama.toLlama().attentionBias()).isTrue();
    assertThat(llama.toLlama().outputBias()).isTrue(); // Llama's attention_bias covers o_proj

    LlamaConfig qwen3 =
        parse(
                "{\"model_type\": \"qwen3\", \"hidden_size\": 1024, \"intermediate_size\": 3072,"
                    + " \"num_hidden_layers\": 28, \"num_attention_heads\": 16,"
                    + " \"num_key_value_heads\": 8, \"head_dim\": 128,"
                    + " \"max_position_embeddings\": 40960, \"vocab_size\": 151936}")
            .toLlama();
    assertThat(qwen3.headDim()).isEqualTo(128);
    assertThat(qwen3.queryDim()).isEqualTo(2048);
    assertThat(qwen3.qkNorm()).isTrue();
    assertThat(qwen3.attentionBias()).isFalse();
    assertThat(qwen3.outputBias()).isFalse();
  }

  @Test
  void mistralSlidingWindowCapsTheContextAndGpt2NamesAreMapped() {
    LlamaConfig mistral =
        parse(
                "{\"model_type\": \"mistral\", \"hidden_size\": 64, \"intermediate_size\": 128,"
                    + " \"num_hidden_layers\": 1, \"num_attention_heads\": 4,"
                    + " \"num_key_value_heads\": 1, \"max_position_embeddings\": 32768,"
                    + " \"sliding_window\": 4096, \"vocab_size\": 100}")
            .toLlama();
    assertThat(mistral.contextLength()).isEqualTo(4096);

    Gpt2Config gpt2 =
        parse(
                "{\"model_type\": \"gpt2\", \"n_embd\": 768, \"n_layer\": 12, \"n_head\": 12,"
                    + " \"n_positions\": 1024, \"n_inner\": null, \"vocab_size\": 50257,"
                    + " \"layer_norm_epsilon\": 1e-05, \"activation_function\": \"gelu_new\"}")
            .toGpt2();
    assertThat(gpt2.hiddenDim()).isEqualTo(3072);
    assertThat(gpt2.headDim()).isEqualTo(64);
    assertThat(gpt2.normEps()).isEqualTo(1e-5f);
  }

  @Test
  void unsupportedOrIncompleteConfigsAreClearErrors(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> parse("{\"model_type\": \"falcon\"}"))
        .hasMessageContaining("model_type falcon is not supported");
    assertThatThrownBy(() -> parse("{\"model_type\": \"llama\", \"hidden_size\": 8}"))
        .hasMessageContaining("missing number field num_attention_heads");
    assertThatThrownBy(
            () ->
                parse(
                    "{\"model_type\": \"llama\", \"rope_scaling\": {\"rope_type\": \"yarn\","
                        + " \"factor\": 4}, \"hidden_size\": 8, \"intermediate_size\": 8,"
                        + " \"num_hidden_layers\": 1, \"num_attention_heads\": 2,"
                        + " \"max_position_embeddings\": 8, \"vocab_size\": 8}"))
        .hasMessageContaining("rope_scaling type 'yarn' is not supported");
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"model_type\": \"llama\",}");
    assertThatThrownBy(() -> HfConfig.read(file)).hasMessageContaining("invalid JSON");
  }

  @Test
  void generationConfigReadsSingleOrListEos(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("generation_config.json");
    Files.writeString(
        f,
        "{\"bos_token_id\": 128000, \"eos_token_id\": [128001, 128009], \"temperature\": 0.6,"
            + " \"top_p\": 0.9, \"do_sample\": true}");
    GenerationConfig g = GenerationConfig.read(f);
    assertThat(g.eosTokenIds()).containsExactly(128001, 128009);
    assertThat(g.temperature()).isEqualTo(0.6);
    assertThat(g.doSample()).isTrue();
    assertThat(g.topK()).isNull();
    assertThat(GenerationConfig.read(dir.resolve("absent.json"))).isEqualTo(GenerationConfig.EMPTY);
  }
}
