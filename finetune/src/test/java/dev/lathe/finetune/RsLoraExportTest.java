package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lathe.testkit.SharedAssets;
import dev.lathe.transformer.AdapterSet;
import dev.lathe.transformer.LanguageModel;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelLoader;
import dev.lathe.transformer.train.LoraConfig;
import dev.lathe.transformer.train.Parameter;
import dev.lathe.transformer.train.TrainableModel;
import dev.lathe.transformer.train.Training;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One PEFT reader: an adapter written with {@code use_rslora: true} (scale {@code alpha / √r})
 * gives the same logits merged into the weights by the export as applied over the base by serving.
 */
class RsLoraExportTest {
  private static final int[] PROMPT = {1, 403, 404, 261, 1053, 14, 283};

  @Test
  void anRsLoraAdapterMergesAndServesToTheSameLogits(@TempDir Path dir) throws Exception {
    Path baseDir = SharedAssets.require("models/hf-TinyStories-656K");
    LoadedModel base = ModelLoader.load(baseDir);
    LoraConfig lora = new LoraConfig(4, 8, 0, LoraConfig.LLAMA_LINEAR, true);
    TrainableModel trainer = randomAdapters(base, lora);
    Path adapter = dir.resolve("adapter");
    ModelExport.writeAdapter(adapter, trainer, lora, baseDir.toString());
    assertThat(Files.readString(adapter.resolve("adapter_config.json")))
        .contains("\"use_rslora\" : true");

    Path merged = dir.resolve("merged");
    ModelExport.writeMerged(merged, baseDir, adapter);
    float[] exported = logits(ModelLoader.load(merged).model());
    float[] served = logits(base.model().withAdapters(AdapterSet.read(adapter)));
    float[] unadapted = logits(base.model());
    double moved = 0;
    for (int v = 0; v < served.length; v++) {
      assertThat(exported[v])
          .isCloseTo(served[v], within(1e-4f * Math.max(1f, Math.abs(served[v]))));
      moved = Math.max(moved, Math.abs(served[v] - unadapted[v]));
    }
    assertThat(moved).as("the adapter changes the logits").isGreaterThan(1e-2);

    // the same tensors read as plain LoRA (alpha / r) would give other logits: the flag is honoured
    Path plain = dir.resolve("plain");
    Files.createDirectories(plain);
    Files.copy(
        adapter.resolve("adapter_model.safetensors"), plain.resolve("adapter_model.safetensors"));
    Files.writeString(
        plain.resolve("adapter_config.json"),
        Files.readString(adapter.resolve("adapter_config.json"))
            .replace("\"use_rslora\" : true", "\"use_rslora\" : false"));
    ModelExport.writeMerged(dir.resolve("plain-merged"), baseDir, plain);
    float[] plainLogits = logits(ModelLoader.load(dir.resolve("plain-merged")).model());
    double apart = 0;
    for (int v = 0; v < served.length; v++) {
      apart = Math.max(apart, Math.abs(plainLogits[v] - exported[v]));
    }
    assertThat(apart).isGreaterThan(1e-3);
  }

  /**
   * A LoRA trainer on {@code base} whose B matrices (zero at init) are random, so it changes it.
   */
  static TrainableModel randomAdapters(LoadedModel base, LoraConfig lora) {
    TrainableModel trainer = Training.lora(base, lora, new SplittableRandom(3));
    SplittableRandom r = new SplittableRandom(4);
    for (Parameter p : trainer.trainableParameters()) {
      if (p.name().endsWith(".lora_B.weight")) {
        for (int i = 0; i < p.value().length; i++) {
          p.value()[i] = (float) (r.nextDouble() - 0.5) * 0.2f;
        }
      }
    }
    return trainer;
  }

  private static float[] logits(LanguageModel m) {
    float[] out = new float[m.vocabularySize()];
    m.forward(PROMPT, 0, PROMPT.length, m.newCache(PROMPT.length), out);
    return out;
  }
}
