package dev.lathe.server.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Map;

/**
 * One stored chat completion ({@code "store": true}).
 *
 * @param id the completion's id ({@code chatcmpl-…})
 * @param project the owning project
 * @param model the model name the request asked for
 * @param created when it was answered (stored to the millisecond; the API shows seconds)
 * @param metadata its metadata pairs, in the order given (empty when none)
 * @param request the request body as sent (messages, model, sampling fields, tools, …)
 * @param response the {@code chat.completion} answered (the assembled one for a stream)
 */
public record StoredCompletion(
    String id,
    String project,
    String model,
    Instant created,
    Map<String, String> metadata,
    ObjectNode request,
    ObjectNode response) {

  public StoredCompletion {
    metadata = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
  }

  /** The same completion with other metadata. */
  public StoredCompletion withMetadata(Map<String, String> value) {
    return new StoredCompletion(id, project, model, created, value, request, response);
  }
}
