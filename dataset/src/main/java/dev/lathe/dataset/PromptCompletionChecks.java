package dev.lathe.dataset;

import static dev.lathe.dataset.IssueCode.INVALID_PROMPT_COMPLETION;
import static dev.lathe.dataset.IssueCode.UNRECOGNIZED_KEY;
import static dev.lathe.dataset.LineIssues.kind;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;

/** The checks of a legacy completions example: {@code {"prompt": "...", "completion": "..."}}. */
final class PromptCompletionChecks {
  private PromptCompletionChecks() {}

  static void check(JsonNode example, LineIssues out) {
    for (Iterator<String> keys = example.fieldNames(); keys.hasNext(); ) {
      String key = keys.next();
      if (!key.equals("prompt") && !key.equals("completion")) {
        out.report(
            UNRECOGNIZED_KEY,
            key,
            "\"" + key + "\" is not a key of a prompt/completion example; training ignores it.");
      }
    }
    requireString(example, "prompt", out);
    requireString(example, "completion", out);
  }

  private static void requireString(JsonNode example, String key, LineIssues out) {
    JsonNode v = example.get(key);
    if (v == null || !v.isTextual()) {
      out.report(
          INVALID_PROMPT_COMPLETION,
          key,
          "\""
              + key
              + "\" is "
              + kind(v)
              + "; a legacy example needs both \"prompt\" and \"completion\" as strings, e.g."
              + " {\"prompt\": \"2+2 ->\", \"completion\": \" 4\\n\"}.");
    }
  }
}
