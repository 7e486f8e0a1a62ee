package dev.lathe.finetune;

import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.ValidationReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A training or validation file, validated and rendered in one pass: the examples to train on, the
 * validator's report, and what happened to examples that did not fit (truncated: kept, cut from the
 * end; skipped: nothing left to train on, or not renderable). Nothing is dropped silently: every
 * truncated or skipped example is in {@link #notes()} and was sent to the listener.
 *
 * @param examples the rendered examples, in file order
 * @param report the validation report (when it has errors, {@code examples} is empty)
 * @param truncated examples cut to the context length
 * @param skipped examples left out
 * @param notes one human-readable line per truncated or skipped example
 */
public record TrainingData(
    List<TrainingExample> examples,
    ValidationReport report,
    int truncated,
    int skipped,
    List<String> notes) {

  /** Copies. */
  public TrainingData {
    examples = List.copyOf(examples);
    notes = List.copyOf(notes);
  }

  /**
   * Validates {@code file} with {@code validator} and, when it has no errors, renders every valid
   * example with {@code renderer}, sending notes about truncated and skipped examples to {@code
   * listener}.
   */
  public static TrainingData load(
      Path file, DatasetValidator validator, ExampleRenderer renderer, TrainingListener listener)
      throws IOException {
    List<TrainingExample> examples = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    int[] counts = new int[2];
    String name = file.getFileName().toString();
    ValidationReport report =
        validator.validate(
            file,
            (line, format, json, valid) -> {
              if (!valid) {
                return;
              }
              TrainingExample ex;
              try {
                ex = renderer.render(line, format, json);
              } catch (IllegalArgumentException e) {
                counts[1]++;
                notes.add(
                    name + " line " + line + ": skipped, cannot be rendered: " + e.getMessage());
                return;
              }
              if (ex.trainedTokens() == 0) {
                counts[1]++;
                notes.add(
                    name
                        + " line "
                        + line
                        + ": skipped, no trained token"
                        + (ex.truncated()
                            ? " is left after truncation to " + renderer.contextLength() + " tokens"
                            : " (no assistant message with weight 1)"));
                return;
              }
              if (ex.truncated()) {
                counts[0]++;
                notes.add(
                    name
                        + " line "
                        + line
                        + ": truncated to the context of "
                        + renderer.contextLength()
                        + " tokens (tokens removed from the end)");
              }
              examples.add(ex);
            });
    if (report.hasErrors()) {
      return new TrainingData(List.of(), report, 0, 0, List.of());
    }
    notes.forEach(listener::onMessage);
    return new TrainingData(examples, report, counts[0], counts[1], notes);
  }
}
