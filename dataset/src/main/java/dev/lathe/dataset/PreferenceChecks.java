package dev.lathe.dataset;

import static dev.lathe.dataset.IssueCode.INVALID_PREFERENCE_OUTPUT;
import static dev.lathe.dataset.IssueCode.LEGACY_KEYS;
import static dev.lathe.dataset.IssueCode.MISSING_MESSAGES_LIST;
import static dev.lathe.dataset.IssueCode.UNRECOGNIZED_KEY;
import static dev.lathe.dataset.LineIssues.kind;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Set;

/**
 * The checks of a preference (DPO) example: {@code {"input": {"messages": [...]},
 * "preferred_output": [one assistant message], "non_preferred_output": [one assistant message]}}.
 * The pre-2025 names {@code preferred_completion} / {@code non_preferred_completion} are accepted
 * with a warning.
 */
final class PreferenceChecks {
  private static final Set<String> KEYS =
      Set.of(
          "input",
          "preferred_output",
          "non_preferred_output",
          "preferred_completion",
          "non_preferred_completion");

  private PreferenceChecks() {}

  /**
   * Checks {@code example}; returns the {@link ChatChecks} role bits of its input (-1: unknown).
   */
  static int check(JsonNode example, LineIssues out) {
    for (Iterator<String> keys = example.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!KEYS.contains(key)) {
        out.report(
            UNRECOGNIZED_KEY,
            key,
            "\""
                + key
                + "\" is not a key of a preference example (input, preferred_output,"
                + " non_preferred_output); training ignores it.");
      }
    }
    int roles = -1;
    JsonNode input = example.get("input");
    if (input == null || !input.isObject()) {
      out.report(
          MISSING_MESSAGES_LIST,
          "input",
          "A preference example needs \"input\": {\"messages\": [...]} with the conversation so"
              + " far; found "
              + kind(input)
              + ".");
    } else {
      roles = ChatChecks.check(input, "input.", false, out);
    }
    checkOutput(example, "preferred_output", "preferred_completion", out);
    checkOutput(example, "non_preferred_output", "non_preferred_completion", out);
    return roles;
  }

  private static void checkOutput(JsonNode example, String key, String legacy, LineIssues out) {
    JsonNode output = example.get(key);
    String used = key;
    if (example.has(legacy)) {
      out.report(
          LEGACY_KEYS,
          legacy,
          "\""
              + legacy
              + "\" is the pre-2025 name; rename it to \""
              + key
              + "\""
              + (output != null ? " (the file has both; \"" + key + "\" is used)." : "."));
      if (output == null) {
        output = example.get(legacy);
        used = legacy;
      }
    }
    if (output == null) {
      out.report(
          INVALID_PREFERENCE_OUTPUT,
          key,
          "The example has no \""
              + key
              + "\"; add it as an array holding exactly one assistant message.");
      return;
    }
    if (!output.isArray() || output.size() != 1) {
      out.report(
          INVALID_PREFERENCE_OUTPUT,
          used,
          "\""
              + used
              + "\" is "
              + (output.isArray() ? "an array of " + output.size() + " messages" : kind(output))
              + "; it must be an array of exactly one assistant message, e.g. [{\"role\":"
              + " \"assistant\", \"content\": \"...\"}] (DPO trains on one-turn outputs).");
      return;
    }
    JsonNode message = output.get(0);
    String path = used + "[0]";
    String role = MessageChecks.check(message, path, out);
    if (message.isObject() && role != null && !role.equals("assistant")) {
      out.report(
          INVALID_PREFERENCE_OUTPUT,
          path + ".role",
          "The output message has role \""
              + role
              + "\"; preferred and non-preferred outputs must be assistant messages.");
    }
  }
}
