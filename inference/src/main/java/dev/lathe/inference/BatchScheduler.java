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
 * for all of them per token. A generation prefills on its caller's thread (its prompt's leading
 * tokens from the {@link PrefixCache} when another prompt shared them), chooses its first token,
 * then joins its base's decode loop between two steps, and leaves it when it ends; at most {@code
 * maxBatch} decode in one step, later ones wait for a free row.
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
    Row row = new Row(model, cancelled);
    Generation g = new Generator(model, tokenizer, seedSource).start(prompt, request, row);
    row.generation = g;
    if (cancelled.getAsBoolean()) {
      g.cancel();
      return g.result();
    }
    int reused = prefixes.restore(model, prompt, g.cache());
    model.forward(prompt, reused, prompt.length - reused, g.cache(), g.logits()); // prefill
    prefixes.store(model, prompt, g.cache());
    if (g.choose(row::cancelled)) {
      submit(row);
    } else {
      row.events.add(new Done(g.result()));
    }
    try {
      while (true) {
        Object event = row.events.take();
        switch (event) {
          case Token t -> listener.onToken(t.token(), t.logprob());
          case Text t -> listener.onText(t.delta());
          case Done d -> {
            return d.result();
          }
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

  private record Failed(RuntimeException cause) {}

  /** One generation in a decode loop; its events go to its caller's thread. */
  private static final class Row implements GenerationListener {
    final LanguageModel model;
    final BooleanSupplier cancelled;
    final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
    Generation generation;
    volatile boolean abandoned; // the caller stopped listening

    Row(LanguageModel model, BooleanSupplier cancelled) {
      this.model = model;
      this.cancelled = cancelled;
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
    final List<Row> active = new ArrayList<>(); // the loop thread's
    final LanguageModel[] models = new LanguageModel[maxBatch];
    final KvCache[] caches = new KvCache[maxBatch];
    final int[] tokens = new int[maxBatch];
    final float[][] logits = new float[maxBatch][];
    final BatchDecoder decoder = new BatchDecoder();

    Group(Object weights) {
      this.weights = weights;
    }

    void run() {
      while (admit()) {
        int rows = active.size();
        for (int i = 0; i < rows; i++) {
          Row r = active.get(i);
          models[i] = r.model;
          caches[i] = r.generation.cache();
          tokens[i] = r.generation.lastToken();
          logits[i] = r.generation.logits();
        }
        try {
          decoder.step(models, caches, tokens, logits, rows);
          steps.incrementAndGet();
          BatchScheduler.this.rows.addAndGet(rows);
        } catch (RuntimeException e) {
          for (Row r : active) {
            r.events.add(new Failed(e));
          }
          active.clear();
          continue;
        }
        for (int i = 0; i < rows; i++) {
          models[i] = null;
          caches[i] = null;
          logits[i] = null;
        }
        active.removeIf(this::advance);
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
