package dev.lathe.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import dev.lathe.dataset.DatasetFormat;
import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.ValidationReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

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
   * supervised example with {@code renderer}, sending notes about truncated and skipped examples to
   * {@code listener}.
   */
  public static TrainingData load(
      Path file, DatasetValidator validator, ExampleRenderer renderer, TrainingListener listener)
      throws IOException {
    Rendered<TrainingExample> r = render(file, validator, renderer);
    r.notes().forEach(listener::onMessage);
    return new TrainingData(r.examples(), r.report(), r.truncated(), r.skipped(), r.notes());
  }

  /** As {@link #load} without sending the notes anywhere. */
  static Rendered<TrainingExample> render(
      Path file, DatasetValidator validator, ExampleRenderer renderer) throws IOException {
    return load(
        file,
        validator,
        renderer.contextLength(),
        renderer::render,
        TrainingExample::trainedTokens,
        TrainingExample::truncated,
        " (no assistant message with a weight above 0)");
  }

  /** Renders one valid line of a file; throws IllegalArgumentException when it cannot. */
  interface Render<E> {
    E render(long line, DatasetFormat format, JsonNode json);
  }

  /**
   * A rendered file of examples of type {@code E}: the fields of {@link TrainingData}, and the
   * lines of the examples skipped because they train no token ({@link TrainingPreflight} reports
   * them).
   */
  record Rendered<E>(
      List<E> examples,
      ValidationReport report,
      int truncated,
      int skipped,
      List<String> notes,
      List<Long> untrained) {}

  /** The shared loop of {@link #render} and {@link PreferenceData#render}. */
  static <E> Rendered<E> load(
      Path file,
      DatasetValidator validator,
      int contextLength,
      Render<E> renderer,
      ToIntFunction<E> trainedTokens,
      Predicate<E> truncated,
      String whyNothingTrained)
      throws IOException {
    List<E> examples = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    List<Long> untrained = new ArrayList<>();
    int[] counts = new int[2];
    String name = file.getFileName().toString();
    ValidationReport report =
        validator.validate(
            file,
            (line, format, json, valid) -> {
              if (!valid) {
                return;
              }
              E ex;
              try {
                ex = renderer.render(line, format, json);
              } catch (IllegalArgumentException e) {
                counts[1]++;
                notes.add(
                    name + " line " + line + ": skipped, cannot be rendered: " + e.getMessage());
                return;
              }
              if (trainedTokens.applyAsInt(ex) == 0) {
                counts[1]++;
                untrained.add(line);
                notes.add(
                    name
                        + " line "
                        + line
                        + ": skipped, no trained token"
                        + (truncated.test(ex)
                            ? " is left after truncation to " + contextLength + " tokens"
                            : whyNothingTrained));
                return;
              }
              if (truncated.test(ex)) {
                counts[0]++;
                notes.add(
                    name
                        + " line "
                        + line
                        + ": truncated to the context of "
                        + contextLength
                        + " tokens (tokens removed from the end)");
              }
              examples.add(ex);
            });
    if (report.hasErrors()) {
      return new Rendered<>(List.of(), report, 0, 0, List.of(), List.of());
    }
    return new Rendered<>(examples, report, counts[0], counts[1], notes, untrained);
  }
}
