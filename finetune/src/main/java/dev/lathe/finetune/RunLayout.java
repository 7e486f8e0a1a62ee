package dev.lathe.finetune;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Every path of one fine-tuning run's directory, spelled here and nowhere else. A run writes:
 *
 * <pre>
 * results.csv                     OpenAI's result file (results-resumed.csv for a resumed run)
 * lineage.json                    the finished run's {@link Lineage} manifest
 * checkpoints/
 *   checkpoint-step-N/            a {@link TrainingCheckpoint}: state.json and the tensors
 *     adapter/                    the checkpoint servable as a PEFT adapter (LoRA)
 *     merged/                     or as a Hugging Face model (full fine-tuning, or a LoRA
 *                                 checkpoint merged over a fine-tuned start)
 *   reference-logprobs.json       a DPO run's reference numbers, reused on resume
 * adapter/                        the final PEFT adapter (LoRA)
 * merged/                         the final Hugging Face model
 * start/                          the model a continued fine-tune starts from, merged (server)
 * </pre>
 *
 * The names are those of the directories earlier versions wrote, so existing runs stay readable and
 * resumable. The CLI's {@code --out} and the server's {@code <data>/jobs/<job id>} are runs.
 *
 * @param root the run's directory
 */
public record RunLayout(Path root) {

  private static final String CHECKPOINT_PREFIX = "checkpoint-step-";

  /** The file inside a checkpoint directory that holds its training state. */
  public static final String STATE_FILE = "state.json";

  /** Requires a root. */
  public RunLayout {
    Objects.requireNonNull(root, "root");
  }

  /** The metrics CSV of a run that started afresh ({@code false}) or resumed ({@code true}). */
  public Path results(boolean resumed) {
    return root.resolve(resumed ? "results-resumed.csv" : "results.csv");
  }

  /** The lineage manifest a finished run writes ({@link Lineage}). */
  public Path lineage() {
    return root.resolve("lineage.json");
  }

  /** The directory holding the checkpoints. */
  public Path checkpoints() {
    return root.resolve("checkpoints");
  }

  /** The checkpoint after {@code step} steps (which may not exist yet). */
  public Checkpoint checkpoint(int step) {
    return Checkpoint.in(checkpoints(), step);
  }

  /** A DPO run's reference log-probabilities, kept beside the checkpoints. */
  public Path referenceLogProbs() {
    return checkpoints().resolve(ReferenceLogProbs.FILE_NAME);
  }

  /** The final PEFT adapter (LoRA runs). */
  public Path adapter() {
    return root.resolve("adapter");
  }

  /** The final merged Hugging Face model. */
  public Path merged() {
    return root.resolve("merged");
  }

  /** The merged copy of the fine-tuned model a continued fine-tune starts from. */
  public Path start() {
    return root.resolve("start");
  }

  /** The complete checkpoints on disk (those with their state written), oldest first. */
  public List<Checkpoint> checkpointsOnDisk() throws IOException {
    if (!Files.isDirectory(checkpoints())) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(checkpoints())) {
      return dirs.map(Checkpoint::of)
          .flatMap(Optional::stream)
          .filter(Checkpoint::complete)
          .sorted(Comparator.comparingInt(Checkpoint::step))
          .toList();
    }
  }

  /** The newest complete checkpoint, if there is one. */
  public Optional<Checkpoint> newestCheckpoint() throws IOException {
    List<Checkpoint> all = checkpointsOnDisk();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.getLast());
  }

  /**
   * One checkpoint directory, {@code checkpoints/checkpoint-step-N}.
   *
   * @param dir the directory
   * @param step the optimizer steps taken when it was written
   */
  public record Checkpoint(Path dir, int step) {

    /** The checkpoint after {@code step} steps in the checkpoints directory {@code checkpoints}. */
    public static Checkpoint in(Path checkpoints, int step) {
      return new Checkpoint(checkpoints.resolve(CHECKPOINT_PREFIX + step), step);
    }

    /** The checkpoint {@code dir} is, when its name is a checkpoint's. */
    public static Optional<Checkpoint> of(Path dir) {
      String name = dir.getFileName().toString();
      if (!name.matches(CHECKPOINT_PREFIX + "\\d{1,9}")) {
        return Optional.empty();
      }
      return Optional.of(
          new Checkpoint(dir, Integer.parseInt(name.substring(CHECKPOINT_PREFIX.length()))));
    }

    /** Its training state file. */
    public Path state() {
      return dir.resolve(STATE_FILE);
    }

    /** Whether its training state was written (a checkpoint is moved into place whole). */
    public boolean complete() {
      return Files.isRegularFile(state());
    }

    /** Its PEFT adapter (LoRA runs). */
    public Path adapter() {
      return dir.resolve("adapter");
    }

    /** Its merged Hugging Face model (full fine-tuning, or merged over a fine-tuned start). */
    public Path merged() {
      return dir.resolve("merged");
    }

    /** Removes its directory and everything in it (nothing when it is not there). */
    public void delete() throws IOException {
      if (!Files.exists(dir)) {
        return;
      }
      try (Stream<Path> walk = Files.walk(dir)) {
        for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }

    /** What serves it: {@link #adapter()} when written, else {@link #merged()}. */
    public Path servable() {
      return Files.isDirectory(adapter()) ? adapter() : merged();
    }
  }
}
