package dev.lathe.dataset.build;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** Training examples produced one at a time, each with its split group and origin. */
@FunctionalInterface
public interface ExampleStream {

  /** Receives one example. */
  @FunctionalInterface
  interface Sink {
    /**
     * @param example the example, as it will be written
     * @param group the key of its split group (its record, or a field's value)
     * @param origin where it came from, for messages
     */
    void accept(ObjectNode example, String group, String origin);
  }

  /** Produces every example into {@code sink}, in order. */
  void forEach(Sink sink) throws IOException;

  /**
   * The examples {@code template} makes of the records of {@code source}; each record's examples
   * share one group: the value of the field {@code groupBy}, or the record itself when null.
   */
  static ExampleStream of(RecordSource source, ExampleTemplate template, String groupBy) {
    return sink ->
        source.read(
            record -> {
              String group = record.origin();
              if (groupBy != null) {
                Object value = record.fields().get(groupBy);
                if (value == null) {
                  throw new DatasetBuildException(
                      record.origin()
                          + ": no field '"
                          + groupBy
                          + "' to group by; its fields are "
                          + record.fields().keySet()
                          + ".");
                }
                group = String.valueOf(value);
              }
              for (ObjectNode example : template.render(record)) {
                sink.accept(example, group, record.origin());
              }
            });
  }
}
