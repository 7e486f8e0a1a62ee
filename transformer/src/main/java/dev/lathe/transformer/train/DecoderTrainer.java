package dev.lathe.transformer.train;

import dev.lathe.tensor.ComputePool;
import dev.lathe.transformer.DType;
import dev.lathe.transformer.ModelConfig;
import dev.lathe.transformer.ModelFamily;
import dev.lathe.transformer.ModelWeights;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * What every decoder trainer shares, whichever its family: the parameters ({@link ParameterSet}),
 * the activation arena kept per (B, T), the adapter switch, the checks on a batch, and the
 * attention of a block inside packed examples. A family ({@link LlamaTrainer}, {@link Gpt2Trainer})
 * writes only its forward and backward, read top to bottom like its inference model.
 *
 * <p>Built by its {@link ModelFamily} (through {@link Training}): with LoRA adapters (base weights
 * only read) or for full fine-tuning (every weight a {@link Parameter}). Not thread-safe: one batch
 * at a time.
 *
 * @param <C> the family's config
 * @param <W> the family's weights
 * @param <P> the family's parameter view of those weights
 * @param <A> the family's activations
 */
public abstract sealed class DecoderTrainer<
        C extends ModelConfig,
        W extends ModelWeights<C>,
        P extends ParameterSet<C, W, ?>,
        A extends DecoderActivations>
    implements TrainableModel permits LlamaTrainer, Gpt2Trainer {

  /**
   * How a trainer is set up, whichever its family.
   *
   * @param lora the adapters' settings, or null for full fine-tuning
   * @param random draws the adapters' A matrices, then their dropout masks (null without LoRA)
   * @param recompute recompute the feed-forward activations in backward instead of keeping them
   * @param pool the threads the kernels share work over
   */
  public record Setup(
      LoraConfig lora, RandomGenerator random, boolean recompute, ComputePool pool) {}

  /** A family's parameter view of its weights. */
  interface Parameters<C extends ModelConfig, W extends ModelWeights<C>, P> {
    P of(ModelFamily<C, W> family, C config, W weights, Setup setup);
  }

  /** A family's activations for (rows, t) batches. */
  interface Arena<C, A> {
    A of(C config, int rows, int t, boolean recompute);
  }

  final ModelFamily<C, W> family;
  final C config;
  final W weights;
  final P params;
  final W grads; // params.grads(): the gradient of each weight, null where frozen
  final short[] headBf16; // the frozen output head in bf16, or null (then weights.outputHead())
  final RandomGenerator dropoutRandom;
  final boolean recompute;
  final ComputePool pool;
  boolean adapters = true;
  private final Arena<C, A> arenas;
  private A arena;

  /** Checks {@code weights} against {@code config}, then builds the parameters over them. */
  DecoderTrainer(
      ModelFamily<C, W> family,
      C config,
      W weights,
      Setup setup,
      Parameters<C, W, P> parameters,
      Arena<C, A> arenas) {
    this(family, config, weights, null, setup, parameters, arenas);
  }

  /**
   * As the f32 constructor; with {@code headBf16} non-null the frozen matrices are a model's bf16
   * arrays (checked when that model was built), {@code weights} only their f32 norms and biases.
   */
  DecoderTrainer(
      ModelFamily<C, W> family,
      C config,
      W weights,
      short[] headBf16,
      Setup setup,
      Parameters<C, W, P> parameters,
      Arena<C, A> arenas) {
    if (headBf16 == null) {
      weights.checkShapes(config);
    } else if (setup.lora() == null) {
      throw new IllegalArgumentException(
          "full fine-tuning trains every weight in f32: give the trainer f32 weights, not bf16");
    }
    this.headBf16 = headBf16;
    this.family = family;
    this.config = config;
    this.weights = weights;
    this.params = parameters.of(family, config, weights, setup);
    this.grads = params.grads();
    this.dropoutRandom = setup.random();
    this.recompute = setup.recompute();
    this.pool = setup.pool();
    this.arenas = arenas;
  }

  /**
   * The element type the frozen base matrices are held in during training: BF16 for LoRA over a
   * model held in bf16 (the adapters, their gradients and the optimizer state stay f32), otherwise
   * F32.
   */
  public DType baseDtype() {
    return headBf16 != null ? DType.BF16 : DType.F32;
  }

  /** The family of the model this trainer trains (its LoRA targets, how it is saved). */
  public ModelFamily<C, W> family() {
    return family;
  }

  public C config() {
    return config;
  }

  @Override
  public List<Parameter> trainableParameters() {
    return params.parameters();
  }

  /** The trainable parameter called {@code name}; a clear error lists what exists otherwise. */
  @Override
  public Parameter parameter(String name) {
    return params.parameter(name);
  }

  /**
   * The base weights with every adapter merged in ({@code W + scale · B · A}) as new arrays; the
   * base itself is not touched. For full fine-tuning, the trained weights themselves.
   */
  public W mergedWeights() {
    return params.merged(weights);
  }

  /** Writes {@link #mergedWeights()} as a Hugging Face model directory of {@link #family()}. */
  public void saveMerged(Path dir, DType dtype) throws IOException {
    family.save(dir, config, mergedWeights(), dtype);
  }

  @Override
  public void setAdaptersEnabled(boolean enabled) {
    if (!enabled && !params.lora()) {
      throw new IllegalStateException(
          "full fine-tuning has no adapters to switch off; use a LoRA trainer for a frozen base");
    }
    adapters = enabled;
  }

  @Override
  public BatchResult forwardBackward(TokenBatch batch, float[] segmentScale) {
    OutputHead.validate(batch, segmentScale, config.vocabSize(), config.contextLength());
    A a = arena(batch);
    BatchResult result = run(batch, segmentScale, a, true);
    // dx: (N, C) = d loss / d resid[L], built up from the final norm down
    Arrays.fill(a.dx, 0f);
    backward(batch, a);
    return result;
  }

  @Override
  public BatchResult evaluate(TokenBatch batch) {
    OutputHead.validate(batch, null, config.vocabSize(), config.contextLength());
    return run(batch, null, arena(batch), false);
  }

  /**
   * The family's forward up to the final norm's output {@code a.xnFinal}, then the output head and
   * cross-entropy; with {@code train} the gradient of the loss with respect to {@code a.xnFinal} is
   * left in {@code a.dxn} and the head's weight gradient accumulated.
   */
  private BatchResult run(TokenBatch batch, float[] segmentScale, A a, boolean train) {
    SegmentAttention.segmentStarts(a.segStart, batch.segments(), a.rows, a.t);
    forward(batch, a, train ? dropoutRandom : null);
    return OutputHead.run(
        pool,
        batch,
        segmentScale,
        a.xnFinal,
        headBf16 != null
            ? OutputHead.Matrix.of(headBf16)
            : OutputHead.Matrix.of(weights.outputHead()),
        train ? a.dxn : null,
        grads.outputHead(),
        a.logits,
        config.dim(),
        config.vocabSize());
  }

  private A arena(TokenBatch batch) {
    if (arena == null || arena.rows != batch.rows() || arena.t != batch.seqLen()) {
      arena = null; // let the old arena go before allocating the new one
      arena = arenas.of(config, batch.rows(), batch.seqLen(), recompute);
    }
    return arena;
  }

  /**
   * Forward over {@code batch} from the embeddings to the final norm's output {@code a.xnFinal},
   * keeping in {@code a} what backward needs; {@code dropout} draws the adapters' dropout masks
   * (null when evaluating).
   */
  abstract void forward(TokenBatch batch, A a, RandomGenerator dropout);

  /**
   * Backward from {@code a.dxn} (the gradient at the final norm's output) into {@code a.dx},
   * zeroed, and on down to the embeddings, adding to the parameters' gradients.
   */
  abstract void backward(TokenBatch batch, A a);

  /**
   * Causal attention of block {@code l} within each packed example: keys {@code a.kLin} and values
   * {@code vLin} go to the head layout attention reads, the output to {@code a.att[l]}.
   *
   * <pre>
   * // a.q[l]: (B, T, H, hd)   a.kLin, vLin: (N, KVH*hd)   a.att[l]: (N, H*hd)   a.lse[l]: (B, T, H)
   * </pre>
   */
  final void attentionForward(A a, int l, float[] vLin) {
    SegmentAttention.transpose(a.kLin, a.k[l], a.rows, a.t, a.kvHeads, a.headDim, true);
    SegmentAttention.transpose(vLin, a.v[l], a.rows, a.t, a.kvHeads, a.headDim, true);
    SegmentAttention.forward(
        pool,
        a.att[l],
        a.lse[l],
        a.q[l],
        a.k[l],
        a.v[l],
        a.segStart,
        a.rows,
        a.t,
        a.heads,
        a.kvHeads,
        a.headDim,
        a.scores,
        a.qBlock,
        a.oBlock);
  }

  /**
   * Backward of {@link #attentionForward} from {@code a.dAtt}: overwrites {@code a.dq}, {@code
   * a.dk} and {@code a.dv} in the projections' (N, heads·hd) layout.
   */
  final void attentionBackward(A a, int l) {
    Arrays.fill(a.dq, 0f);
    Arrays.fill(a.dkT, 0f);
    Arrays.fill(a.dvT, 0f);
    SegmentAttention.backward(
        pool,
        a.dq,
        a.dkT,
        a.dvT,
        a.dAtt,
        a.lse[l],
        a.q[l],
        a.k[l],
        a.v[l],
        a.segStart,
        a.rows,
        a.t,
        a.heads,
        a.kvHeads,
        a.headDim,
        a.scores,
        a.scores2,
        a.qBlock,
        a.oBlock);
    SegmentAttention.transpose(a.dk, a.dkT, a.rows, a.t, a.kvHeads, a.headDim, false);
    SegmentAttention.transpose(a.dv, a.dvT, a.rows, a.t, a.kvHeads, a.headDim, false);
  }
}
