package dev.lathe.transformer;

import dev.lathe.tensor.ComputePool;
import dev.lathe.tensor.Residual;
import dev.lathe.tensor.RmsNorm;
import dev.lathe.tensor.Rope;
import dev.lathe.tensor.SwiGlu;

/**
 * One decode step for several sequences at once (continuous batching): row {@code i} feeds one
 * token to its own model and cache and gets its logits. Rows whose models share base weights (a
 * base and its {@code ft:} views, see {@link #weightsOf}) run together: every projection reads its
 * base weights once for all rows ({@link WeightMatrix#mulRows}; a layer's query, key and value in
 * one parallel loop, its gate and up in another), then each row adds its own adapter (as S-LoRA and
 * Punica do) and attends over its own cache.
 *
 * <p>A row's arithmetic does not depend on the others: the batched products compute each row as
 * they would alone, norms, RoPE and attention run per row, element-wise kernels give each element
 * the same bits wherever it falls. So a sequence gets the same logits whether it decodes alone (a
 * batch of one) or with any company. Models other than the Llama family decode one row at a time
 * through their own {@link LanguageModel#forward}.
 *
 * <p>Buffers are sized for the largest batch seen and reused: a warm step allocates nothing. One
 * decoder is used by one thread at a time.
 */
public final class BatchDecoder {
  private Rows a; // null until a Llama-family batch runs
  private BatchPrefill prompts; // null until a Llama-family prefill runs
  private float[] spare = new float[0]; // logits nobody asked for (other families)
  private final int[] single = new int[1];

  /** Most positions of one sequence a {@link #prefill} may feed at once. */
  public static final int PROMPT_CHUNK = DecoderModel.CHUNK;

  /**
   * The identity of the base weights {@code model} computes with: two models may share a step when
   * this is the same object.
   */
  public static Object weightsOf(LanguageModel model) {
    return model instanceof LlamaModel m ? m.held : model;
  }

  /**
   * Feeds {@code tokens[i]} to {@code models[i]} at the end of {@code caches[i]} (each made by its
   * model) and writes that position's logits into {@code logits[i]}, for {@code i < rows}.
   */
  public void step(
      LanguageModel[] models, KvCache[] caches, int[] tokens, float[][] logits, int rows) {
    if (rows < 1) {
      throw new IllegalArgumentException("a decode step needs at least one row, got " + rows);
    }
    if (!(models[0] instanceof LlamaModel first)) {
      for (int i = 0; i < rows; i++) {
        single[0] = tokens[i];
        models[i].forward(single, 0, 1, caches[i], logits[i]);
      }
      return;
    }
    LlamaConfig cf = first.config;
    int rank = 0;
    for (int i = 0; i < rows; i++) {
      if (!(models[i] instanceof LlamaModel m) || m.held != first.held) {
        throw new IllegalArgumentException(
            "row "
                + i
                + " of a decode step uses other base weights than row 0: batch by weightsOf");
      }
      AttentionCache.of(caches[i], m, 1);
      if (logits[i].length < cf.vocabSize()) {
        throw new IllegalArgumentException(
            "row " + i + "'s logits array holds " + logits[i].length + ", needs " + cf.vocabSize());
      }
      rank = Math.max(rank, m.adapters == null ? 0 : m.adapters.maxRank());
    }
    if (a == null || !a.fits(cf, rows, rank)) {
      a = new Rows(cf, Math.max(rows, a == null ? 8 : a.capacity), rank);
    }
    forward(models, caches, tokens, rows, first, a);
    for (int i = 0; i < rows; i++) {
      System.arraycopy(a.logits, i * cf.vocabSize(), logits[i], 0, cf.vocabSize());
    }
  }

  /**
   * Feeds {@code tokens[i][from[i] .. from[i] + count[i])} to {@code models[i]} at the end of
   * {@code caches[i]} for {@code i < rows}: the prompts of sequences that join together, in one
   * pass over the base weights when they are Llama-family ({@link BatchPrefill}), one at a time
   * otherwise. Writes the logits of row i's last position into {@code logits[i]} unless it is null.
   * Each count is in {@code [1, PROMPT_CHUNK]}; the models share base weights as in {@link #step}.
   */
  @SuppressWarnings("unchecked")
  public void prefill(
      LanguageModel[] models,
      KvCache[] caches,
      int[][] tokens,
      int[] from,
      int[] count,
      float[][] logits,
      int rows) {
    if (rows < 1) {
      throw new IllegalArgumentException("a prefill needs at least one row, got " + rows);
    }
    for (int i = 0; i < rows; i++) {
      if (count[i] < 1 || count[i] > PROMPT_CHUNK) {
        throw new IllegalArgumentException(
            "row " + i + " feeds " + count[i] + " positions, must be in [1, " + PROMPT_CHUNK + "]");
      }
    }
    if (!(models[0] instanceof LlamaModel first)) {
      for (int i = 0; i < rows; i++) {
        float[] out = logits[i];
        if (out == null) {
          if (spare.length < models[i].vocabularySize()) {
            spare = new float[models[i].vocabularySize()];
          }
          out = spare;
        }
        models[i].forward(tokens[i], from[i], count[i], caches[i], out);
      }
      return;
    }
    LlamaModel[] llamas = new LlamaModel[rows];
    AttentionCache<LlamaModel.Activations>[] held = new AttentionCache[rows];
    for (int i = 0; i < rows; i++) {
      if (!(models[i] instanceof LlamaModel m) || m.held != first.held) {
        throw new IllegalArgumentException(
            "row " + i + " of a prefill uses other base weights than row 0: batch by weightsOf");
      }
      llamas[i] = m;
      held[i] = AttentionCache.<LlamaModel.Activations>of(caches[i], m, count[i]);
      if (from[i] < 0 || (long) from[i] + count[i] > tokens[i].length) {
        throw new IllegalArgumentException(
            "row "
                + i
                + " feeds tokens ["
                + from[i]
                + ", "
                + (from[i] + count[i])
                + ") of "
                + tokens[i].length);
      }
      if (logits[i] != null && logits[i].length < first.config.vocabSize()) {
        throw new IllegalArgumentException(
            "row "
                + i
                + "'s logits array holds "
                + logits[i].length
                + ", needs "
                + first.config.vocabSize());
      }
    }
    if (prompts == null || prompts.config() != first.config) {
      prompts = new BatchPrefill(first.config);
    }
    prompts.run(llamas, held, tokens, from, count, logits, rows);
  }

  private static void forward(
      LanguageModel[] models, KvCache[] caches, int[] tokens, int rows, LlamaModel base, Rows a) {
    LlamaConfig cf = base.config;
    LlamaModel.Held held = base.held;
    int c = cf.dim();
    int qd = cf.queryDim();
    int kvd = cf.kvDim();
    held.tokenEmbedding().embed(a.x, tokens, 0, rows);
    for (int l = 0; l < cf.layers(); l++) {
      LlamaWeights.Layer<WeightMatrix> w = held.blocks().get(l);
      // attention block
      RmsNorm.forward(a.xb, 0, a.x, 0, w.attnNorm(), null, rows, c, cf.normEps());
      w.wq().mulRowsWith(a.xb, rows, a.q, w.wk(), a.k, w.wv(), a.v);
      Linear.addBias(a.q, w.bq(), rows, qd);
      Linear.addBias(a.k, w.bk(), rows, kvd);
      Linear.addBias(a.v, w.bv(), rows, kvd);
      adapt(models, rows, l, Adapt.QKV, a);
      if (cf.qkNorm()) {
        RmsNorm.forward(
            a.q, 0, a.q, 0, w.qNorm(), null, rows * cf.heads(), cf.headDim(), cf.normEps());
        RmsNorm.forward(
            a.k, 0, a.k, 0, w.kNorm(), null, rows * cf.kvHeads(), cf.headDim(), cf.normEps());
      }
      Attend at = a.attend;
      at.caches = caches;
      at.held = held;
      at.layer = l;
      try {
        for (int i = 0; i < rows; i++) {
          at.store(i);
        }
        int tasks = rows * cf.kvHeads();
        if (tasks > 1 && attended(caches, rows) * qd >= PARALLEL_ATTENTION) {
          ComputePool.common().parallelFor(tasks, at);
        } else {
          for (int task = 0; task < tasks; task++) {
            at.run(task, 0);
          }
        }
      } finally {
        at.caches = null;
      }
      project(a.proj, a.att, w.wo(), w.bo(), rows);
      adapt(models, rows, l, Adapt.O, a);
      Residual.forward(a.x, 0, a.x, 0, a.proj, 0, rows * c);
      // feed-forward block
      RmsNorm.forward(a.xb, 0, a.x, 0, w.ffnNorm(), null, rows, c, cf.normEps());
      w.wGate().mulRowsWith(a.xb, rows, a.gate, w.wUp(), a.up, null, null);
      adapt(models, rows, l, Adapt.GATE_UP, a);
      SwiGlu.forward(a.gate, a.gate, a.up, rows * cf.hiddenDim());
      project(a.proj, a.gate, w.wDown(), null, rows);
      adapt(models, rows, l, Adapt.DOWN, a);
      Residual.forward(a.x, 0, a.x, 0, a.proj, 0, rows * c);
    }
    for (int i = 0; i < rows; i++) {
      ((AttentionCache<?>) caches[i]).advance(1);
    }
    RmsNorm.forward(a.xb, 0, a.x, 0, held.finalNorm(), null, rows, c, cf.normEps());
    held.classifier().mulRows(a.xb, a.logits, rows);
  }

  /**
   * Fewest multiply-adds (cached positions times query width, over the rows) for which a step's
   * attention is spread over the pool: below it one thread attends every (row, head) sooner than
   * the pool hands the tasks out.
   */
  static final long PARALLEL_ATTENTION = 1 << 16;

  /** Positions the rows attend over this step, their new ones included. */
  private static long attended(KvCache[] caches, int rows) {
    long n = 0;
    for (int i = 0; i < rows; i++) {
      n += ((AttentionCache<?>) caches[i]).length() + 1;
    }
    return n;
  }

  /** {@code out = in · Wᵀ + bias} for every row. */
  private static void project(
      float[] out, float[] in, WeightMatrix weight, float[] bias, int rows) {
    weight.mulRows(in, out, rows);
    Linear.addBias(out, bias, rows, weight.rows);
  }

  /**
   * Each row's own adapter deltas at one site of layer {@code l} (its query, key and value; its
   * output projection; its gate and up; or its down projection): one task per row, spread over the
   * pool when two or more rows have adapters there. A row's delta is computed alike on any thread
   * (a product started inside a task runs on that task's thread, and its bits do not depend on the
   * thread count), so its bits are those it gets alone.
   */
  private static void adapt(LanguageModel[] models, int rows, int l, int site, Rows a) {
    int adapted = 0;
    for (int i = 0; i < rows && adapted < 2; i++) {
      if (((LlamaModel) models[i]).lora(l) != null) {
        adapted++;
      }
    }
    if (adapted == 0) {
      return;
    }
    Adapt body = a.adapt;
    body.models = models;
    body.layer = l;
    body.site = site;
    try {
      if (adapted > 1) {
        ComputePool.common().parallelFor(rows, body);
      } else {
        for (int i = 0; i < rows; i++) {
          body.run(i, 0);
        }
      }
    } finally {
      body.models = null;
    }
  }

  /** The loop body of {@link #adapt}: task i adds row i's deltas at the site, if it has any. */
  private static final class Adapt implements ComputePool.Body {
    static final int QKV = 0;
    static final int O = 1;
    static final int GATE_UP = 2;
    static final int DOWN = 3;

    private final Rows a;
    LanguageModel[] models;
    int layer;
    int site;

    Adapt(Rows a) {
      this.a = a;
    }

    @Override
    public void run(int i, int worker) {
      LlamaModel.BlockLora d = ((LlamaModel) models[i]).lora(layer);
      if (d == null) {
        return;
      }
      switch (site) {
        case QKV -> {
          add(d.q(), a.q, a.xb, i);
          add(d.k(), a.k, a.xb, i);
          add(d.v(), a.v, a.xb, i);
        }
        case O -> add(d.o(), a.proj, a.att, i);
        case GATE_UP -> {
          add(d.gate(), a.gate, a.xb, i);
          add(d.up(), a.up, a.xb, i);
        }
        default -> add(d.down(), a.proj, a.gate, i);
      }
    }

    /** Row {@code i}'s delta of one projection, when it has one, with the row's own scratch. */
    private void add(AdapterSet.Delta d, float[] y, float[] x, int i) {
      if (d != null) {
        float[] scratch = a.lora[i];
        d.addTo(y, i * d.out(), x, i * d.in(), 1, scratch);
      }
    }
  }

  /**
   * The step's attention: {@link #store} rotates row {@code i}'s new key and stores it with its
   * value at the end of the row's cache (every row's, before any attends); then one task per (row,
   * key/value head) rotates the queries of that head's group and attends over the row's cache
   * ({@link DecodeAttention#group}, over f32 or bf16 keys and values), scoring into its thread's
   * slice of the row's scratch. Tasks per head rather than per row keep both threads busy when few
   * rows run (one stream alone), and a head's bits do not depend on which task or thread ran it.
   */
  private static final class Attend implements ComputePool.Body {
    private final Rows a;
    private KvCache[] caches;
    private LlamaModel.Held held;
    private int layer;

    Attend(Rows a) {
      this.a = a;
    }

    void store(int i) {
      LlamaConfig cf = a.config;
      int kvd = cf.kvDim();
      AttentionCache<?> cache = (AttentionCache<?>) caches[i];
      ChunkActivations r = (ChunkActivations) cache.arena;
      int pos = cache.length();
      Rope.forward(cf.ropeStyle(), a.k, i * kvd, cf.kvHeads(), held.rope(), pos);
      System.arraycopy(a.k, i * kvd, r.k, 0, kvd);
      System.arraycopy(a.v, i * kvd, r.v, 0, kvd);
      cache.store(layer, r.k, r.v, 1, pos);
    }

    /** Task (row i, key/value head g): the query heads of g's group, together. */
    @Override
    public void run(int task, int worker) {
      LlamaConfig cf = a.config;
      int group = cf.heads() / cf.kvHeads();
      int hd = cf.headDim();
      int i = task / cf.kvHeads();
      int g = task % cf.kvHeads();
      AttentionCache<?> cache = (AttentionCache<?>) caches[i];
      ChunkActivations r = (ChunkActivations) cache.arena;
      int pos = cache.length();
      int qh = i * cf.queryDim() + g * group * hd;
      for (int h = 0; h < group; h++) {
        Rope.forward(cf.ropeStyle(), a.q, qh + h * hd, 1, held.rope(), pos);
      }
      int kv = g * cache.capacity * hd;
      int s0 = worker * group * cache.capacity;
      if (cache.keys != null) {
        float[] keys = cache.keys[layer];
        float[] values = cache.values[layer];
        DecodeAttention.group(
            a.att, qh, a.q, qh, keys, values, kv, hd, pos + 1, group, r.scores, s0, cache.capacity);
      } else {
        short[] keys = cache.keysBf16[layer];
        short[] values = cache.valuesBf16[layer];
        DecodeAttention.group(
            a.att, qh, a.q, qh, keys, values, kv, hd, pos + 1, group, r.scores, s0, cache.capacity);
      }
    }
  }

  /** The step's activations for up to {@code rows} rows, allocated once and reused. */
  private static final class Rows {
    final LlamaConfig config;
    final int capacity;
    final int rank;
    final float[] x; // (R, C) residual stream
    final float[] xb; // (R, C)
    final float[] proj; // (R, C)
    final float[] q; // (R, H, hd)
    final float[] k; // (R, KVH, hd)
    final float[] v; // (R, KVH, hd)
    final float[] att; // (R, H, hd)
    final float[] gate; // (R, F)
    final float[] up; // (R, F)
    final float[] logits; // (R, V)
    final float[][] lora; // (R)(r) each row's adapter scratch
    final Attend attend = new Attend(this);
    final Adapt adapt = new Adapt(this);

    Rows(LlamaConfig c, int rows, int rank) {
      config = c;
      capacity = rows;
      this.rank = rank;
      int qd = c.queryDim();
      int kvd = c.kvDim();
      x = new float[rows * c.dim()];
      xb = new float[rows * c.dim()];
      proj = new float[rows * c.dim()];
      q = new float[rows * qd];
      k = new float[rows * kvd];
      v = new float[rows * kvd];
      att = new float[rows * qd];
      gate = new float[rows * c.hiddenDim()];
      up = new float[rows * c.hiddenDim()];
      logits = new float[rows * c.vocabSize()];
      lora = new float[rows][Math.max(1, rank)];
    }

    boolean fits(LlamaConfig c, int rows, int r) {
      return config == c && rows <= capacity && r <= rank;
    }
  }
}
