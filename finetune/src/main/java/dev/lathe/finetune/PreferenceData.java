package dev.lathe.finetune;

import dev.lathe.dataset.DatasetFormat;
import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.ValidationReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A preference (DPO) file, validated and rendered in one pass, as {@link TrainingData} is for
 * supervised files: every valid line becomes a {@link PreferenceExample}; a pair is skipped (with a
 * note) when either answer has no token left after truncation to the context.
 *
 * @param examples the rendered pairs, in file order
 * @param report the validation report (when it has errors, {@code examples} is empty)
 * @param truncated pairs with an answer cut to the context length
 * @param skipped pairs left out
 * @param notes one human-readable line per truncated or skipped pair
 */
public record PreferenceData(
    List<PreferenceExample> examples,
    ValidationReport report,
    int truncated,
    int skipped,
    List<String> notes) {

  /** Copies. */
  public PreferenceData {
    examples = List.copyOf(examples);
    notes = List.copyOf(notes);
  }

  /** Validates {@code file} and renders its pairs (see {@link TrainingData#load}). */
  public static PreferenceData load(
      Path file, DatasetValidator validator, ExampleRenderer renderer, TrainingListener listener)
      throws IOException {
    TrainingData.Rendered<PreferenceExample> r = render(file, validator, renderer);
    r.notes().forEach(listener::onMessage);
    return new PreferenceData(r.examples(), r.report(), r.truncated(), r.skipped(), r.notes());
  }

  /** As {@link #load} without sending the notes anywhere. */
  static TrainingData.Rendered<PreferenceExample> render(
      Path file, DatasetValidator validator, ExampleRenderer renderer) throws IOException {
    return TrainingData.load(
        file,
        validator,
        renderer.contextLength(),
        (line, format, json) -> {
          if (format != DatasetFormat.PREFERENCE) {
            throw new IllegalArgumentException(
                "line " + line + " is not a preference example (the file is " + format + ")");
          }
          return renderer.renderPreference(line, json);
        },
        PreferenceExample::trainedTokens,
        PreferenceExample::truncated,
        " (an empty answer)");
  }
}
