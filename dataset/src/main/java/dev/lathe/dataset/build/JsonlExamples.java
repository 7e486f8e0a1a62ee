package dev.lathe.dataset.build;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;

/**
 * The examples of an existing fine-tuning JSONL file, for splitting and deduplicating it: each
 * non-blank line one example, its own group unless {@code groupBy} (a JSON pointer such as {@code
 * /messages/1/content}) names the value that groups examples.
 */
public final class JsonlExamples {

  private JsonlExamples() {}

  /** The examples of {@code file}; {@code groupBy} null for one group per line. */
  public static ExampleStream of(Path file, String groupBy) {
    if (groupBy != null && !groupBy.startsWith("/")) {
      throw new DatasetBuildException(
          "--group-by for a JSONL file is a JSON pointer starting with '/', such as"
              + " /messages/1/content; got '"
              + groupBy
              + "'.");
    }
    return sink ->
        JsonlRecords.objects(
            file,
            (where, example) -> {
              String group = where;
              if (groupBy != null) {
                JsonNode value = example.at(groupBy);
                if (value.isMissingNode()) {
                  throw new DatasetBuildException(
                      where + ": nothing at " + groupBy + " to group by; check the pointer.");
                }
                group = value.isTextual() ? value.asText() : value.toString();
              }
              sink.accept(example, group, where);
            });
  }
}
