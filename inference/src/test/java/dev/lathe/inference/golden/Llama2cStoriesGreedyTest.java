package dev.lathe.inference.golden;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.Llama2cTokenizer;
import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.Llama2cCheckpoint;
import dev.lathe.transformer.LlamaModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * llama2.c's own end-to-end test: stories260K, greedy for 200 steps from BOS, must print exactly
 * the text {@code run.c} prints. Exercises the checkpoint loader, interleaved RoPE, GQA, the KV
 * cache in decode mode and the llama2.c tokenizer's decoding.
 */
class Llama2cStoriesGreedyTest {

  @Test
  void greedyTwoHundredStepsFromBosReproducesRunC() throws Exception {
    Path dir = SharedAssets.require("models/llama2c-stories260K");
    Path vector = SharedAssets.require("testvectors/published/llama2c_stories260K_greedy.json");
    LlamaModel model = Llama2cCheckpoint.load(dir.resolve("stories260K.bin"));
    Llama2cTokenizer tokenizer = Llama2cTokenizer.load(dir.resolve("tok512.bin"));
    String json = Files.readString(vector);

    int steps = 200;
    int[] ids = new int[steps + 1];
    ids[0] = Llama2cTokenizer.BOS;
    KvCache cache = model.newCache(steps);
    float[] logits = new float[model.vocabularySize()];
    for (int pos = 0; pos < steps; pos++) {
      model.forward(ids, pos, 1, cache, logits);
      ids[pos + 1] = argmax(logits);
    }

    assertThat(Arrays.copyOfRange(ids, 1, steps + 1))
        .containsExactly(intArray(json, "generated_ids"));
    assertThat(tokenizer.decode(ids)).isEqualTo(jsonString(json, "expected_text"));
  }

  @Test
  void prefillInOneCallGivesTheSameLogitsAsDecodingOneByOne() throws Exception {
    Path dir = SharedAssets.require("models/llama2c-stories260K");
    LlamaModel model = Llama2cCheckpoint.load(dir.resolve("stories260K.bin"));
    Llama2cTokenizer tokenizer = Llama2cTokenizer.load(dir.resolve("tok512.bin"));
    int[] prompt =
        tokenizer.encode(
            "Once upon a time, a little dog found a big red ball in the park. He was very happy and played with it all day long.",
            true,
            false);
    assertThat(prompt.length).isGreaterThan(33); // crosses a prefill chunk boundary
    float[] prefill = new float[model.vocabularySize()];
    model.forward(prompt, 0, prompt.length, model.newCache(64), prefill);
    float[] decode = new float[model.vocabularySize()];
    KvCache cache = model.newCache(64);
    for (int i = 0; i < prompt.length; i++) {
      model.forward(prompt, i, 1, cache, decode);
    }
    assertThat(cache.length()).isEqualTo(prompt.length);
    for (int v = 0; v < prefill.length; v++) {
      assertThat(decode[v]).isCloseTo(prefill[v], org.assertj.core.data.Offset.offset(1e-4f));
    }
  }

  private static int argmax(float[] x) {
    int best = 0;
    for (int i = 1; i < x.length; i++) {
      if (x[i] > x[best]) {
        best = i;
      }
    }
    return best;
  }

  private static int[] intArray(String json, String field) {
    Matcher m = Pattern.compile("\"" + field + "\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(json);
    assertThat(m.find()).as("field %s in the test vector", field).isTrue();
    return Arrays.stream(m.group(1).split(","))
        .map(String::trim)
        .mapToInt(Integer::parseInt)
        .toArray();
  }

  /** The JSON string value of {@code field}, unescaped. */
  private static String jsonString(String json, String field) {
    Matcher m = Pattern.compile("\"" + field + "\"\\s*:\\s*\"").matcher(json);
    assertThat(m.find()).as("field %s in the test vector", field).isTrue();
    StringBuilder out = new StringBuilder();
    for (int i = m.end(); ; i++) {
      char ch = json.charAt(i);
      if (ch == '"') {
        return out.toString();
      }
      if (ch != '\\') {
        out.append(ch);
        continue;
      }
      char e = json.charAt(++i);
      switch (e) {
        case 'n' -> out.append('\n');
        case 't' -> out.append('\t');
        case 'r' -> out.append('\r');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'u' -> {
          out.append((char) Integer.parseInt(json.substring(i + 1, i + 5), 16));
          i += 4;
        }
        default -> out.append(e);
      }
    }
  }
}
