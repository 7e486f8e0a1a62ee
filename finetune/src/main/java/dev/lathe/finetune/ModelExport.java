package dev.lathe.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.tokenizer.TrainedTemplate;
import dev.lathe.transformer.AdapterSet;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.LoraModules;
import dev.lathe.transformer.ModelFamily;
import dev.lathe.transformer.SafetensorsWriter;
import dev.lathe.transformer.train.DecoderTrainer;
import dev.lathe.transformer.train.LoraConfig;
import dev.lathe.transformer.train.Parameter;
import dev.lathe.transformer.train.TrainableModel;
import dev.lathe.transformer.train.Training;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The results of a run on disk, in the layouts Hugging Face tools read:
 *
 * <ul>
 *   <li>a PEFT LoRA adapter directory: {@code adapter_config.json} ({@code peft_type} LORA, {@code
 *       r}, {@code lora_alpha}, {@code lora_dropout}, {@code target_modules}, {@code
 *       base_model_name_or_path}, …) and {@code adapter_model.safetensors} with PEFT's tensor names
 *       ({@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight});
 *   <li>a merged model directory: {@code config.json} and {@code model.safetensors} with the
 *       adapters folded into the weights, plus the base model's tokenizer files.
 * </ul>
 *
 * Either may also hold the {@link TrainedTemplate} ({@value TrainedTemplate#FILE_NAME}) the weights
 * were trained with, which serving checks.
 *
 * <p>Each directory is written under a temporary name and renamed into place.
 */
public final class ModelExport {
  private ModelExport() {}

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Tokenizer and generation files copied from the base model into a merged model. */
  public static final List<String> TOKENIZER_FILES =
      List.of(
          "tokenizer.json",
          "tokenizer_config.json",
          "special_tokens_map.json",
          "generation_config.json",
          "chat_template.jinja",
          "tokenizer.model");

  /** Writes the adapters of {@code trainer} as a PEFT adapter directory. */
  public static void writeAdapter(
      Path dir, TrainableModel trainer, LoraConfig lora, String baseModelName) throws IOException {
    writeAdapter(dir, trainer, lora, baseModelName, null);
  }

  /**
   * Writes the adapters of {@code trainer} as a PEFT adapter directory, with the template it was
   * trained with ({@link TrainedTemplate}; null writes none).
   */
  public static void writeAdapter(
      Path dir,
      TrainableModel trainer,
      LoraConfig lora,
      String baseModelName,
      TrainedTemplate trained)
      throws IOException {
    Path tmp = temporarySibling(dir);
    if (trained != null) {
      trained.write(tmp);
    }
    Map<String, SafetensorsWriter.Tensor> tensors = new LinkedHashMap<>();
    for (Parameter p : trainer.trainableParameters()) {
      if (!p.name().contains(".lora_")) {
        throw new IllegalArgumentException(
            "not a LoRA run: parameter " + p.name() + " is not an adapter; export a merged model");
      }
      long[] shape = new long[p.shape().length];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = p.shape()[i];
      }
      tensors.put(p.name(), new SafetensorsWriter.Tensor(shape, p.value()));
    }
    SafetensorsWriter.write(
        tmp.resolve("adapter_model.safetensors"), tensors, Map.of("format", "pt"), DType.F32);
    ObjectNode config = JSON.createObjectNode();
    config.put("peft_type", "LORA");
    config.put("task_type", "CAUSAL_LM");
    config.put("base_model_name_or_path", baseModelName);
    config.put("r", lora.rank());
    config.put("lora_alpha", lora.alpha());
    config.put("lora_dropout", lora.dropout());
    ArrayNode targets = config.putArray("target_modules");
    List<String> family = decoder(trainer).family().loraTargets();
    new TreeSet<>(lora.targets()).stream().filter(family::contains).forEach(targets::add);
    config.put("bias", "none");
    config.put("fan_in_fan_out", false);
    config.put("inference_mode", true);
    config.put("use_rslora", lora.rsLora());
    config.putNull("modules_to_save");
    Files.write(
        tmp.resolve("adapter_config.json"),
        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
    moveIntoPlace(tmp, dir);
  }

  /**
   * Loads a PEFT adapter directory onto {@code base}: a LoRA trainer whose adapters hold the saved
   * tensors, ready for {@code evaluate} or for merging. The directory is read by {@link
   * AdapterSet#read}, the reader serving uses, so a merge scales {@code B · A} as serving does
   * ({@code alpha / r}, or {@code alpha / √r} with {@code use_rslora}); dropout is not part of an
   * adapter, so the trainer has none.
   */
  public static TrainableModel readAdapter(Path dir, LoadedModel base) throws IOException {
    AdapterSet set = AdapterSet.read(dir);
    ModelFamily<?, ?> family = base.family();
    TreeSet<String> targets = new TreeSet<>();
    for (int l = 0; l < base.config().layers(); l++) {
      for (String target : family.loraTargets()) {
        if (set.delta(family.module(l, target)) != null) {
          targets.add(target);
        }
      }
    }
    if (targets.isEmpty()) {
      throw new IOException(
          dir + ": the adapter adapts none of " + family.modelType() + "'s projections");
    }
    LoraConfig lora = new LoraConfig(set.maxRank(), set.alpha(), 0, targets, set.rsLora());
    TrainableModel trainer = Training.lora(base, lora, new SplittableRandom(0));
    for (Parameter p : trainer.trainableParameters()) {
      AdapterSet.Delta d = set.delta(moduleOf(p.name()));
      if (d == null) {
        throw new IOException(dir + "/adapter_model.safetensors: no tensor " + p.name());
      }
      try {
        trainer.setParameter(p.name(), p.name().endsWith(".lora_A.weight") ? d.a() : d.b());
      } catch (IllegalArgumentException e) {
        throw new IOException(dir + ": " + e.getMessage(), e);
      }
    }
    return trainer;
  }

  /** The module of a PEFT tensor name ({@code base_model.model.<module>.lora_A.weight}). */
  private static String moduleOf(String tensor) {
    String module = tensor.substring(LoraModules.PEFT_PREFIX.length());
    return module.substring(0, module.lastIndexOf(".lora_"));
  }

  /**
   * Writes {@code trainer}'s weights (adapters merged) as a Hugging Face model directory, with the
   * tokenizer files of {@code baseDir} (a directory's copied, a GGUF file's written from its
   * metadata: {@link TrainingBase#writeTokenizerFiles}).
   */
  public static void writeMerged(Path dir, LoadedModel base, TrainableModel trainer, Path baseDir)
      throws IOException {
    writeMerged(dir, base, trainer, baseDir, null);
  }

  /**
   * {@link #writeMerged(Path, LoadedModel, TrainableModel, Path)} with the template the weights
   * were trained with ({@link TrainedTemplate}; null writes none).
   */
  public static void writeMerged(
      Path dir, LoadedModel base, TrainableModel trainer, Path baseDir, TrainedTemplate trained)
      throws IOException {
    Path tmp = temporarySibling(dir);
    if (trained != null) {
      trained.write(tmp);
    }
    decoder(trainer).saveMerged(tmp, DType.F32);
    if (baseDir != null) {
      TrainingBase.writeTokenizerFiles(baseDir, tmp);
    }
    moveIntoPlace(tmp, dir);
  }

  /**
   * Writes the model of {@code baseDir} with the PEFT adapter of {@code adapterDir} merged into its
   * weights as a Hugging Face model directory {@code dir} (with {@code baseDir}'s tokenizer files):
   * a LoRA fine-tune made whole, e.g. as the start of a job that continues from it. The adapter's
   * {@link TrainedTemplate} goes with it.
   */
  public static void writeMerged(Path dir, Path baseDir, Path adapterDir) throws IOException {
    LoadedModel base = TrainingBase.load(baseDir);
    writeMerged(
        dir,
        base,
        readAdapter(adapterDir, base),
        baseDir,
        TrainedTemplate.read(adapterDir).orElse(null));
  }

  private static DecoderTrainer<?, ?, ?, ?> decoder(TrainableModel trainer) {
    if (trainer instanceof DecoderTrainer<?, ?, ?, ?> d) {
      return d;
    }
    throw new IllegalArgumentException(
        "cannot export "
            + trainer.getClass().getSimpleName()
            + ": not a decoder of a known family");
  }

  private static Path temporarySibling(Path dir) throws IOException {
    Path parent = dir.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    return Files.createTempDirectory(parent, dir.getFileName() + ".tmp-");
  }

  private static void moveIntoPlace(Path tmp, Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
  }
}
