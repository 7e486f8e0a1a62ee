package dev.lathe.inference;

import dev.lathe.tokenizer.TextTokenizer;
import dev.lathe.transformer.BatchDecoder;
import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.LanguageModel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Continuous batching: concurrent generations on one base (the base itself and any of its LoRA
 * fine-tunes, see {@link BatchDecoder#weightsOf}) decode together, one {@link BatchDecoder} step
 * for all of them per token. A generation takes its prompt's leading tokens from the {@link
 * PrefixCache} when another prompt shared them, then joins its base's loop between two steps: the
 * prompts that joined are fed together, one pass over the weights for all ({@link
 * BatchDecoder#prefill}, a long prompt a chunk per pass between decode steps), each chooses its
 * first token and decodes with the others until it ends; at most {@code maxBatch} generations are
 * in a loop, later ones wait for a free row.
 *
 * <p>Each generation keeps its own rules ({@link Generation}: sampling and seed, stops, {@code
 * max_tokens}, constraint, cancellation), and its listener is called on its caller's thread, so a
 * slow or disconnected client holds up no other. A row's arithmetic does not depend on the batch,
 * and a generation running alone is a batch of one: its output is the same alone or batched.
 */
public final class BatchScheduler {
  private final int maxBatch;
  private final PrefixCache prefixes;
  private final LongSupplier seedSource;
  private final ThreadFactory threads;

  /** Most positions of one prompt fed in one pass. */
  static final int PROMPT_CHUNK = 256;

  /** Most positions of all prompts fed in one pass (more when one chunk alone is longer). */
  static final int PROMPT_BUDGET = 512;

  private final Object lock = new Object();
  private final Map<Object, Group> groups = new HashMap<>(); // by base weights, guarded by lock
  private final AtomicLong steps = new AtomicLong();
  private final AtomicLong rows = new AtomicLong();

  /**
   * A scheduler of at most {@code maxBatch} rows per step, reusing prompt prefixes from {@code
   * prefixes}, drawing seeds for unseeded requests from {@code seedSource}; {@code threads} makes
   * each base's decode loop thread.
   */
  public BatchScheduler(
      int maxBatch, PrefixCache prefixes, LongSupplier seedSource, ThreadFactory threads) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("max batch must be at least 1, got " + maxBatch);
    }
    this.maxBatch = maxBatch;
    this.prefixes = prefixes;
    this.seedSource = seedSource;
    this.threads = threads;
  }

  /** Decode steps run so far, all bases together. */
  public long steps() {
    return steps.get();
  }

  /** Rows those steps decoded (tokens fed): {@code rows() / steps()} is the mean batch. */
  public long rows() {
    return rows.get();
  }

  /** The prompt prefixes this scheduler reuses. */
  public PrefixCache prefixes() {
    return prefixes;
  }

  /**
   * Generates a continuation of {@code prompt} with {@code model}, as {@link Generator#generate}
   * does, decoding in a batch with the other generations of the same base. {@code cancelled} is
   * polled after each token; an exception from {@code listener} (a client gone) ends this
   * generation's row and is rethrown.
   */
  public GenerationResult generate(
      LanguageModel model,
      TextTokenizer tokenizer,
      int[] prompt,
      GenerationRequest request,
      GenerationListener listener,
      BooleanSupplier cancelled) {
    Row row = new Row(model, cancelled, prompt);
    Generation g = new Generator(model, tokenizer, seedSource).start(prompt, request, row);
    row.generation = g;
    if (cancelled.getAsBoolean()) {
      g.cancel();
      return g.result();
    }
    row.fed = prefixes.restore(model, prompt, g.cache());
    submit(row);
    try {
      while (true) {
        Object event = row.events.take();
        switch (event) {
          case Token t -> listener.onToken(t.token(), t.logprob());
          case Text t -> listener.onText(t.delta());
          case Done d -> {
            return d.result();
          }
          case Failed f when f.prefill() -> throw f.cause();
          case Failed f ->
              throw new IllegalStateException(
                  "the batched decode step failed: " + f.cause().getMessage(), f.cause());
          default -> throw new AssertionError(event);
        }
      }
    } catch (InterruptedException e) {
      row.abandoned = true;
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while generating", e);
    } catch (RuntimeException | Error e) {
      row.abandoned = true;
      throw e;
    }
  }

  private record Token(int token, TokenLogprob logprob) {}

  private record Text(String delta) {}

  private record Done(GenerationResult result) {}

  /** The pass feeding the row failed: its prompt's prefill (rethrown as is) or a decode step. */
  private record Failed(RuntimeException cause, boolean prefill) {}

  /** One generation in a decode loop; its events go to its caller's thread. */
  private static final class Row implements GenerationListener {
    final LanguageModel model;
    final BooleanSupplier cancelled;
    final int[] prompt;
    final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    Generation generation;
    int fed; // prompt tokens in the cache so far (the loop thread's once submitted)
    boolean ended; // the loop thread's: left the loop
    volatile boolean abandoned; // the caller stopped listening

    Row(LanguageModel model, BooleanSupplier cancelled, int[] prompt) {
      this.model = model;
      this.cancelled = cancelled;
      this.prompt = prompt;
    }

    boolean prefilled() {
      return fed == prompt.length;
    }

    boolean cancelled() {
      return abandoned || cancelled.getAsBoolean();
    }

    @Override
    public void onToken(int token, TokenLogprob logprob) {
      events.add(new Token(token, logprob));
    }

    @Override
    public void onText(String delta) {
      events.add(new Text(delta));
    }
  }

  private void submit(Row row) {
    Object weights = BatchDecoder.weightsOf(row.model);
    synchronized (lock) {
      Group g = groups.computeIfAbsent(weights, Group::new);
      g.waiting.add(row);
      if (!g.running) {
        g.running = true;
        threads.newThread(g::run).start();
      }
    }
  }

  /** The decode loop of one base's generations; runs while it has rows. */
  private final class Group {
    final Object weights;
    final ArrayDeque<Row> waiting = new ArrayDeque<>(); // guarded by lock
    boolean running; // guarded by lock
    final List<Row> active = new ArrayList<>(); // the loop thread's: prefilling and decoding
    final Row[] batch = new Row[maxBatch];
    final LanguageModel[] models = new LanguageModel[maxBatch];
    final KvCache[] caches = new KvCache[maxBatch];
    final int[] tokens = new int[maxBatch];
    final float[][] logits = new float[maxBatch][];
    final int[][] prompts = new int[maxBatch][];
    final int[] from = new int[maxBatch];
    final int[] count = new int[maxBatch];
    final BatchDecoder decoder = new BatchDecoder();

    Group(Object weights) {
      this.weights = weights;
    }

    void run() {
      while (admit()) {
        prefill();
        int rows = 0;
        for (Row r : active) {
          if (r.prefilled()) {
            batch[rows] = r;
            models[rows] = r.model;
            caches[rows] = r.generation.cache();
            tokens[rows] = r.generation.lastToken();
            logits[rows] = r.generation.logits();
            rows++;
          }
        }
        if (rows == 0) {
          continue;
        }
        try {
          decoder.step(models, caches, tokens, logits, rows);
          steps.incrementAndGet();
          BatchScheduler.this.rows.addAndGet(rows);
          for (int i = 0; i < rows; i++) {
            batch[i].ended = advance(batch[i]);
          }
        } catch (RuntimeException e) {
          fail(rows, e, false);
        }
        clear(rows);
        active.removeIf(r -> r.ended);
      }
    }

    /**
     * Feeds the prompts not yet in their caches, in one pass: the next {@link #PROMPT_CHUNK}
     * positions of each, in order of arrival, whole chunks up to {@link #PROMPT_BUDGET} positions
     * (at least one chunk), so a long prompt holds the decoding rows up for one chunk at a time. A
     * prompt's chunks depend only on the prompt and its reused prefix, so its bits do not depend on
     * the company it was fed in. A row whose prompt is complete chooses its first token.
     */
    private void prefill() {
      int rows = 0;
      int total = 0;
      for (Row r : active) {
        if (r.prefilled()) {
          continue;
        }
        if (r.cancelled()) {
          r.generation.cancel();
          r.events.add(new Done(r.generation.result()));
          r.ended = true;
          continue;
        }
        int n = Math.min(PROMPT_CHUNK, r.prompt.length - r.fed);
        if (rows > 0 && total + n > PROMPT_BUDGET) {
          break;
        }
        batch[rows] = r;
        models[rows] = r.model;
        caches[rows] = r.generation.cache();
        prompts[rows] = r.prompt;
        from[rows] = r.fed;
        count[rows] = n;
        logits[rows] = r.fed + n == r.prompt.length ? r.generation.logits() : null;
        rows++;
        total += n;
      }
      if (rows > 0) {
        try {
          decoder.prefill(models, caches, prompts, from, count, logits, rows);
          for (int i = 0; i < rows; i++) {
            Row r = batch[i];
            r.fed += count[i];
            if (r.prefilled()) {
              prefixes.store(r.model, r.prompt, r.generation.cache());
              r.ended = !r.generation.choose(r::cancelled);
              if (r.ended) {
                r.events.add(new Done(r.generation.result()));
              }
            }
          }
        } catch (RuntimeException e) {
          fail(rows, e, true);
        }
        clear(rows);
      }
      active.removeIf(r -> r.ended);
    }

    /** Ends the first {@code rows} rows of the batch with {@code cause}. */
    private void fail(int rows, RuntimeException cause, boolean prefill) {
      for (int i = 0; i < rows; i++) {
        batch[i].events.add(new Failed(cause, prefill));
        batch[i].ended = true;
      }
    }

    /** Drops the references of the last pass. */
    private void clear(int rows) {
      for (int i = 0; i < rows; i++) {
        batch[i] = null;
        models[i] = null;
        caches[i] = null;
        logits[i] = null;
        prompts[i] = null;
      }
    }

    /** Chooses row {@code r}'s next token; true when it has ended (and left the loop). */
    private boolean advance(Row r) {
      if (r.abandoned) {
        return true;
      }
      if (r.generation.choose(r::cancelled)) {
        return false;
      }
      r.events.add(new Done(r.generation.result()));
      return true;
    }

    /** Moves waiting rows into free places; false (and the loop ends) when there are none. */
    private boolean admit() {
      synchronized (lock) {
        while (active.size() < maxBatch && !waiting.isEmpty()) {
          active.add(waiting.poll());
        }
        if (active.isEmpty()) {
          running = false;
          groups.remove(weights);
          return false;
        }
        return true;
      }
    }
  }
}
