package dev.lathe.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.SafetensorsFile;
import dev.lathe.transformer.SafetensorsWriter;
import dev.lathe.transformer.optim.AdamW;
import dev.lathe.transformer.optim.AdamWConfig;
import dev.lathe.transformer.optim.LearningRateSchedule;
import dev.lathe.transformer.train.Parameter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Everything needed to continue a run exactly where it stopped: the trained parameters, AdamW's
 * moments and step count, the data position (epoch, step within it, that epoch's shuffled order)
 * the per-epoch shuffle seeds drawn from the job's random generator at the start, and the run's
 * configuration.
 *
 * <p>On disk, a directory: {@code trainable.safetensors} (parameters by name, F32), {@code
 * optimizer.safetensors} ({@code exp_avg.NAME}, {@code exp_avg_sq.NAME}) and {@code state.json}. It
 * is written under a temporary name and renamed into place, so a directory with the final name is
 * always complete.
 *
 * @param step optimizer steps done
 * @param epoch epoch of the next step
 * @param stepInEpoch steps of {@code epoch} already done
 * @param order the shuffled example order of {@code epoch}
 * @param epochSeeds the shuffle seed of every epoch
 * @param config the run's configuration (hyperparameters, learning rate, schedule, optimizer)
 * @param parameters parameter values by name
 * @param optimizer AdamW's state, in parameter order
 * @param bestStep the epoch-end step with the lowest whole-validation loss so far, 0 for none (no
 *     validation file, or none measured yet; see {@link BestCheckpoint})
 * @param bestValidLoss its loss, NaN for none
 * @param learningRateScale the factor on the scheduled learning rate (1, halved by each rollback of
 *     the {@link DivergenceGuard})
 * @param rollbacks rollbacks taken so far
 */
public record TrainingCheckpoint(
    int step,
    int epoch,
    int stepInEpoch,
    int[] order,
    long[] epochSeeds,
    TrainingConfig config,
    Map<String, float[]> parameters,
    AdamW.State optimizer,
    int bestStep,
    double bestValidLoss,
    double learningRateScale,
    int rollbacks) {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String FORMAT = "lathe-training-checkpoint-1";

  /** Writes this checkpoint to {@code dir} atomically (an existing one is replaced). */
  public void write(Path dir, List<Parameter> parameterOrder) throws IOException {
    Path parent = dir.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, dir.getFileName() + ".tmp-");
    Map<String, SafetensorsWriter.Tensor> params = new LinkedHashMap<>();
    Map<String, SafetensorsWriter.Tensor> moments = new LinkedHashMap<>();
    for (int i = 0; i < parameterOrder.size(); i++) {
      Parameter p = parameterOrder.get(i);
      long[] shape = toLong(p.shape());
      params.put(p.name(), new SafetensorsWriter.Tensor(shape, parameters.get(p.name())));
      moments.put(
          "exp_avg." + p.name(),
          new SafetensorsWriter.Tensor(shape, optimizer.firstMoments().get(i)));
      moments.put(
          "exp_avg_sq." + p.name(),
          new SafetensorsWriter.Tensor(shape, optimizer.secondMoments().get(i)));
    }
    SafetensorsWriter.write(
        tmp.resolve("trainable.safetensors"), params, Map.of("format", "pt"), DType.F32);
    SafetensorsWriter.write(tmp.resolve("optimizer.safetensors"), moments, Map.of(), DType.F32);
    ObjectNode state = JSON.createObjectNode();
    state.put("format", FORMAT);
    state.put("step", step);
    state.put("epoch", epoch);
    state.put("step_in_epoch", stepInEpoch);
    state.put("optimizer_step", optimizer.step());
    state.put("learning_rate_scale", learningRateScale);
    state.put("rollbacks", rollbacks);
    if (bestStep > 0) {
      state.put("best_step", bestStep);
      state.put("best_valid_loss", bestValidLoss);
    }
    ArrayNode seeds = state.putArray("epoch_seeds");
    for (long s : epochSeeds) {
      seeds.add(s);
    }
    ArrayNode ord = state.putArray("order");
    for (int o : order) {
      ord.add(o);
    }
    Hyperparameters hp = config.hyperparameters();
    ObjectNode h = state.putObject("hyperparameters");
    h.put("n_epochs", hp.epochs());
    h.put("batch_size", hp.batchSize());
    h.put("learning_rate_multiplier", hp.learningRateMultiplier());
    ObjectNode c = state.putObject("config");
    c.put("base_learning_rate", config.baseLearningRate());
    c.put("warmup_fraction", config.warmupFraction());
    c.put("decay", config.decay().name());
    c.put("beta1", config.optimizer().beta1());
    c.put("beta2", config.optimizer().beta2());
    c.put("eps", config.optimizer().eps());
    c.put("weight_decay", config.optimizer().weightDecay());
    c.put("max_grad_norm", config.maxGradNorm());
    c.put("eval_every", config.evalEvery());
    c.put("validation_sample", config.validationSample());
    c.put("checkpoint_every", config.checkpointEvery());
    ArrayNode names = state.putArray("parameters");
    parameterOrder.forEach(p -> names.add(p.name()));
    Path json = tmp.resolve(RunLayout.STATE_FILE);
    Files.write(json, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
    try (FileChannel ch = FileChannel.open(json, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    if (Files.exists(dir)) {
      deleteTree(dir);
    }
    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Reads a checkpoint written by {@link #write}. */
  public static TrainingCheckpoint read(Path dir) throws IOException {
    Path json = dir.resolve(RunLayout.STATE_FILE);
    if (!Files.isRegularFile(json)) {
      throw new IOException(dir + ": not a training checkpoint (no state.json)");
    }
    JsonNode state = JSON.readTree(json.toFile());
    if (!FORMAT.equals(state.path("format").asText())) {
      throw new IOException(json + ": unknown checkpoint format " + state.path("format"));
    }
    List<String> names = new ArrayList<>();
    state.path("parameters").forEach(n -> names.add(n.asText()));
    Map<String, float[]> values = new LinkedHashMap<>();
    List<float[]> m = new ArrayList<>();
    List<float[]> v = new ArrayList<>();
    try (SafetensorsFile p = SafetensorsFile.open(dir.resolve("trainable.safetensors"));
        SafetensorsFile o = SafetensorsFile.open(dir.resolve("optimizer.safetensors"))) {
      for (String name : names) {
        values.put(name, p.floats(name));
        m.add(o.floats("exp_avg." + name));
        v.add(o.floats("exp_avg_sq." + name));
      }
    }
    long[] seeds = new long[state.path("epoch_seeds").size()];
    for (int i = 0; i < seeds.length; i++) {
      seeds[i] = state.path("epoch_seeds").get(i).asLong();
    }
    int[] order = new int[state.path("order").size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = state.path("order").get(i).asInt();
    }
    JsonNode h = state.path("hyperparameters");
    JsonNode c = state.path("config");
    TrainingConfig config =
        new TrainingConfig(
            new Hyperparameters(
                h.path("n_epochs").asInt(),
                h.path("batch_size").asInt(),
                h.path("learning_rate_multiplier").asDouble()),
            c.path("base_learning_rate").asDouble(),
            c.path("warmup_fraction").asDouble(),
            LearningRateSchedule.Decay.valueOf(c.path("decay").asText()),
            new AdamWConfig(
                c.path("beta1").asDouble(),
                c.path("beta2").asDouble(),
                c.path("eps").asDouble(),
                c.path("weight_decay").asDouble()),
            c.path("max_grad_norm").asDouble(),
            c.path("eval_every").asInt(),
            c.path("validation_sample").asInt(),
            c.path("checkpoint_every").asInt());
    return new TrainingCheckpoint(
        state.path("step").asInt(),
        state.path("epoch").asInt(),
        state.path("step_in_epoch").asInt(),
        order,
        seeds,
        config,
        values,
        new AdamW.State(state.path("optimizer_step").asLong(), m, v),
        state.path("best_step").asInt(0),
        state.path("best_valid_loss").asDouble(Double.NaN),
        state.path("learning_rate_scale").asDouble(1.0),
        state.path("rollbacks").asInt(0));
  }

  private static long[] toLong(int[] shape) {
    long[] out = new long[shape.length];
    for (int i = 0; i < shape.length; i++) {
      out[i] = shape[i];
    }
    return out;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
