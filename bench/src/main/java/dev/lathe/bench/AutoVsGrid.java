package dev.lathe.bench;

import dev.lathe.dataset.TrainingEstimate;
import dev.lathe.finetune.DivergedException;
import dev.lathe.finetune.FineTuneOptions;
import dev.lathe.finetune.Hyperparameters;
import dev.lathe.finetune.tasks.JsonKeysTask;
import dev.lathe.finetune.tasks.StrictFormatTask;
import dev.lathe.finetune.tasks.SuiteTask;
import dev.lathe.finetune.tasks.TaskData;
import dev.lathe.finetune.tasks.TaskRunner;
import dev.lathe.finetune.tasks.TaskSuite;
import dev.lathe.finetune.tasks.ValidationLoss;
import dev.lathe.finetune.tasks.WeightZeroTask;
import dev.lathe.transformer.ModelLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Does {@code auto} choose hyperparameters as well as a grid search? For every task of the suite
 * ({@link TaskSuite}) on TinyStories-656K (LoRA; the JSON task on stories260K, fully fine-tuned,
 * since 656K's vocabulary cannot write a brace), and the format task on a GPT-2-shaped model
 * trained from scratch (full fine-tuning of a random initialisation): train a grid of learning-rate
 * multiplier × epochs × batch size, then once with the three left {@code auto} (null, as a job
 * whose request omits them, through the same {@code FineTuneJob} a job runs), then once more with
 * auto's resolved values given explicitly. Prints the results as Markdown tables: per task the grid
 * best and its values, auto's values and score, the ratio auto / best, divergence, and the wall
 * time of auto against the same values given explicitly; then every grid cell.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar \
 *     dev.lathe.bench.AutoVsGrid MODELS_DIR DATASETS_DIR OUT [--quick] [--tasks a,b]
 * </pre>
 */
public final class AutoVsGrid {
  private AutoVsGrid() {}

  private static final long SEED = 1;

  /** Lines printed after the tables. */
  private static final List<String> NOTES = new ArrayList<>();

  /** One table row: a task on a model, and its grid. */
  private record Row(
      String label,
      SuiteTask task,
      SuiteTask.Sizes sizes,
      Path model,
      String modelName,
      int loraRank,
      Grid grid) {

    /** The model column: its name and how it is trained. */
    String modelColumn() {
      return modelName + (loraRank > 0 ? " LoRA r" + loraRank : ", full");
    }
  }

  /** The grid's axes. */
  private record Grid(double[] lrs, int[] epochs, int[] batches) {
    int cells() {
      return lrs.length * epochs.length * batches.length;
    }

    /**
     * This grid over the cookbook's epochs {@code e}: {E/3, E} (or E alone, in a quick grid),
     * unless it fixes its own.
     */
    Grid withEpochs(int e, boolean quick) {
      if (epochs != null) {
        return this;
      }
      return new Grid(lrs, quick ? new int[] {e} : new int[] {Math.max(1, e / 3), e}, batches);
    }
  }

  /** One grid cell's result. */
  private record Cell(Hyperparameters values, double value, boolean diverged) {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: AutoVsGrid MODELS_DIR DATASETS_DIR OUT [--quick] [--tasks a,b]");
      System.exit(2);
    }
    Path models = Path.of(args[0]);
    Path datasets = Path.of(args[1]);
    Path out = Path.of(args[2]);
    boolean quick = false;
    List<String> only = List.of();
    for (int i = 3; i < args.length; i++) {
      switch (args[i]) {
        case "--quick" -> quick = true;
        case "--tasks" -> only = List.of(args[++i].split(","));
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    List<Row> rows = rows(models, datasets, out, quick);
    List<String> summary = new ArrayList<>();
    List<String> cells = new ArrayList<>();
    long t0 = System.nanoTime();
    for (Row row : rows) {
      if (!only.isEmpty() && !only.contains(row.label())) {
        continue;
      }
      runRow(row, out.resolve(row.label()), summary, cells);
    }
    System.out.printf(
        Locale.ROOT,
        "%n%s grid, seed %d, %.0f s in all%n%n",
        quick ? "quick" : "full",
        SEED,
        (System.nanoTime() - t0) / 1e9);
    System.out.println(
        "| task | model | measure | base | grid best (lr×, epochs, batch) | auto (lr×, epochs,"
            + " batch) | auto/best | diverged (auto; grid cells) | auto s | explicit s | extra |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
    summary.forEach(System.out::println);
    System.out.println();
    System.out.println("| task | grid cell (lr×/epochs/batch = score) |");
    System.out.println("|---|---|");
    cells.forEach(System.out::println);
    System.out.println();
    NOTES.forEach(System.out::println);
  }

  private static List<Row> rows(Path models, Path datasets, Path out, boolean quick)
      throws Exception {
    Path model = models.resolve("hf-TinyStories-656K");
    SuiteTask.Sizes sizes =
        quick ? new SuiteTask.Sizes(60, 8, 8) : new SuiteTask.Sizes(100, 16, 16);
    Grid lora =
        quick
            ? new Grid(new double[] {5}, null, new int[] {4})
            : new Grid(new double[] {5, 25}, null, new int[] {1, 4});
    Grid full =
        quick
            ? new Grid(new double[] {250}, new int[] {3}, new int[] {4})
            : new Grid(new double[] {5, 25, 250}, null, new int[] {1, 4});
    List<Row> rows = new ArrayList<>();
    for (SuiteTask task : TaskSuite.all(datasets)) {
      int e = TrainingEstimate.autoEpochs(task.generate(SEED, sizes).train().size());
      if (task instanceof JsonKeysTask) {
        // TinyStories-656K's vocabulary has no brace (and no byte fallback): JSON needs a model
        // that can write one, the shared stories260K (byte fallback), fully fine-tuned
        rows.add(
            new Row(
                task.name() + "-stories260K-full",
                task,
                sizes,
                models.resolve("gguf/stories260K.gguf"),
                "stories260K",
                0,
                full.withEpochs(e, quick)));
        continue;
      }
      rows.add(
          new Row(
              task.name(),
              task,
              sizes,
              model,
              "TinyStories-656K",
              FineTuneOptions.DEFAULT_LORA_RANK,
              lora.withEpochs(e, quick)));
    }
    int vocab = ModelLoader.load(model).config().vocabSize();
    Path scratch = ScratchGpt2.write(out.resolve("scratch-gpt2-model"), model, vocab, SEED);
    SuiteTask.Sizes scratchSizes =
        quick ? new SuiteTask.Sizes(100, 8, 8) : new SuiteTask.Sizes(200, 16, 16);
    rows.add(
        new Row(
            "format-gpt2-scratch",
            new StrictFormatTask(),
            scratchSizes,
            scratch,
            "GPT-2 scratch",
            0,
            full.withEpochs(3, quick)));
    return rows;
  }

  private static void runRow(Row row, Path dir, List<String> summary, List<String> cells)
      throws Exception {
    TaskData data = row.task().generate(SEED, row.sizes());
    TaskRunner runner = new TaskRunner(row.model(), row.task(), data, dir);
    TaskRunner.Score base = runner.base();
    double baseValue = runner.value(base);
    log(row, "base", baseValue, base.answers());
    FineTuneOptions options =
        FineTuneOptions.defaults().withLoraRank(row.loraRank()).withSeed(SEED);
    List<Cell> grid = new ArrayList<>();
    for (double lr : row.grid().lrs()) {
      for (int epochs : row.grid().epochs()) {
        for (int batch : row.grid().batches()) {
          String label = String.format(Locale.ROOT, "lr%s-e%d-b%d", fmt(lr), epochs, batch);
          TaskRunner.Run r;
          try {
            r =
                runner.train(
                    options.withLearningRateMultiplier(lr).withEpochs(epochs).withBatchSize(batch),
                    label);
          } catch (DivergedException e) {
            // the trainer's guard gave up on this cell: it scores nothing and counts as diverged
            grid.add(new Cell(new Hyperparameters(epochs, batch, lr), 0, true));
            log(row, label + " diverged (" + e.getMessage() + ")", 0, List.of());
            continue;
          }
          grid.add(new Cell(r.hyperparameters(), r.value(), r.diverged()));
          log(row, label, r.value(), r.score().answers());
        }
      }
    }
    // auto: the three hyperparameters left null, resolved by the job as an API job's are
    TaskRunner.Run auto = runner.train(options, "auto");
    log(row, "auto " + values(auto.hyperparameters()), auto.value(), auto.score().answers());
    Hyperparameters h = auto.hyperparameters();
    TaskRunner.Run explicit =
        runner.train(
            options
                .withEpochs(h.epochs())
                .withBatchSize(h.batchSize())
                .withLearningRateMultiplier(h.learningRateMultiplier()),
            "explicit");
    if (row.task() instanceof WeightZeroTask) {
      Path probe = dir.resolve("weight0-probe.jsonl");
      Files.write(probe, WeightZeroTask.probe(data.valid()));
      double before = ValidationLoss.of(row.model(), probe, TaskRunner.CONTEXT, true);
      double after = ValidationLoss.of(auto.tunedModel(), probe, TaskRunner.CONTEXT, true);
      NOTES.add(
          String.format(
              Locale.ROOT,
              "%s: loss of the weight-0 turns' text, end-of-turn token left out (validation"
                  + " conversations) %.3f before, %.3f"
                  + " after auto (%+.1f%%; it must not fall)",
              row.label(),
              before,
              after,
              100 * (after / before - 1)));
    }
    Cell best = grid.getFirst();
    for (Cell c : grid) {
      if (c.value() > best.value()) {
        best = c;
      }
    }
    long divergedCells = grid.stream().filter(Cell::diverged).count();
    String done =
        String.format(
            Locale.ROOT,
            "| %s | %s | %s | %.3f | %.3f (%s) | %.3f (%s) | %s | %s; %d of %d | %.1f | %.1f |"
                + " %+.1f%% |",
            row.label(),
            row.modelColumn(),
            row.task().measure(),
            baseValue,
            best.value(),
            values(best.values()),
            auto.value(),
            values(h),
            best.value() > 0
                ? String.format(Locale.ROOT, "%.2f", auto.value() / best.value())
                : "-",
            auto.diverged() ? "yes" : "no",
            divergedCells,
            grid.size(),
            auto.trainSeconds(),
            explicit.trainSeconds(),
            100 * (auto.trainSeconds() / explicit.trainSeconds() - 1));
    summary.add(done);
    System.err.println("row done: " + done);
    StringBuilder line = new StringBuilder("| " + row.label() + " |");
    for (Cell c : grid) {
      line.append(
          String.format(
              Locale.ROOT,
              " %s/%d/%d = %.2f%s;",
              fmt(c.values().learningRateMultiplier()),
              c.values().epochs(),
              c.values().batchSize(),
              c.value(),
              c.diverged() ? " (diverged)" : ""));
    }
    cells.add(line.append(" |").toString());
  }

  private static String values(Hyperparameters h) {
    return String.format(
        Locale.ROOT, "%s, %d, %d", fmt(h.learningRateMultiplier()), h.epochs(), h.batchSize());
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.3g", v);
  }

  private static void log(Row row, String label, double value, List<String> answers) {
    System.err.printf(
        Locale.ROOT,
        "%s %s: %.3f  e.g. %s%n",
        row.label(),
        label,
        value,
        answers.isEmpty() ? "" : answers.getFirst());
  }
}
