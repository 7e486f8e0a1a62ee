package dev.lathe.finetune.tasks;

import java.nio.file.Path;
import java.util.List;

/** The suite's six tasks, in table order. */
public final class TaskSuite {
  private TaskSuite() {}

  /** The sizes the benchmark generates for the synthetic tasks. */
  public static final SuiteTask.Sizes BENCH_SIZES = new SuiteTask.Sizes(200, 20, 16);

  /**
   * The five synthetic tasks and the limericks read from {@code datasets} (the directory holding
   * {@code limericks-training-data.jsonl} and {@code limericks-validation-data.jsonl}).
   */
  public static List<SuiteTask> all(Path datasets) {
    return List.of(
        new StrictFormatTask(),
        new StyleTask(),
        new LabelTask(),
        new JsonKeysTask(),
        new WeightZeroTask(),
        new LimerickTask(
            datasets.resolve("limericks-training-data.jsonl"),
            datasets.resolve("limericks-validation-data.jsonl")));
  }
}
