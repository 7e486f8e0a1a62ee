package dev.lathe.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** Which format one example is in, and the wording used when formats do not fit. */
final class FormatDetection {
  private FormatDetection() {}

  /** The format whose keys {@code example} has (chat first), or null when it has none. */
  static DatasetFormat detect(JsonNode example) {
    if (example.has("messages")) {
      return DatasetFormat.CHAT;
    }
    if (example.has("input")
        || example.has("preferred_output")
        || example.has("non_preferred_output")
        || example.has("preferred_completion")
        || example.has("non_preferred_completion")) {
      return DatasetFormat.PREFERENCE;
    }
    if (example.has("prompt") || example.has("completion")) {
      return DatasetFormat.PROMPT_COMPLETION;
    }
    return null;
  }

  /** OpenAI's wording for an object in no known format, with the keys it has. */
  static String unknownFormat(JsonNode example) {
    List<String> keys = new ArrayList<>();
    for (Iterator<String> it = example.fieldNames(); it.hasNext() && keys.size() < 8; ) {
      keys.add(it.next());
    }
    return "Unexpected file format, expected either prompt/completion pairs or chat messages. This"
        + " line has "
        + (keys.isEmpty() ? "no keys" : "keys " + keys)
        + "; write {\"messages\": [...]} for chat, {\"input\": ..., \"preferred_output\": ...,"
        + " \"non_preferred_output\": ...} for DPO or {\"prompt\": ..., \"completion\": ...}.";
  }

  /** OpenAI's name of a format in its errors ("fine-tune-chat"). */
  static String fileFormatName(DatasetFormat format) {
    return switch (format) {
      case CHAT -> "fine-tune-chat";
      case PREFERENCE -> "fine-tune-preference";
      case PROMPT_COMPLETION -> "fine-tune-completion";
    };
  }

  /** The training method a format is for ('supervised', 'dpo'). */
  static String method(DatasetFormat format) {
    return format == DatasetFormat.PREFERENCE ? "dpo" : "supervised";
  }

  /** The error for a file in {@code actual} format given to a job that needs {@code expected}. */
  static String mismatch(DatasetFormat actual, DatasetFormat expected) {
    String how =
        switch (expected) {
          case PREFERENCE ->
              " A DPO job needs lines like {\"input\": {\"messages\": [...]}, \"preferred_output\":"
                  + " [{\"role\": \"assistant\", ...}], \"non_preferred_output\": [...]}.";
          case CHAT -> " A supervised job on a chat model needs lines like {\"messages\": [...]}.";
          case PROMPT_COMPLETION ->
              " A babbage-002 / davinci-002 job needs lines like {\"prompt\": ..., \"completion\":"
                  + " ...}.";
        };
    if (method(actual).equals(method(expected))) {
      return "Invalid file format. Input file is in the "
          + fileFormatName(actual)
          + " format, but the job expects the "
          + fileFormatName(expected)
          + " format."
          + how;
    }
    return "Invalid file format. Input file is in the "
        + fileFormatName(actual)
        + " format, but the specified fine-tuning job is not using '"
        + method(actual)
        + "' as the training method (provided method="
        + method(expected)
        + ")."
        + how;
  }
}
