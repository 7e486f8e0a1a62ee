package dev.lathe.server.evals.graders;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What one grader scores: a data item (the {@code item} namespace) and the model's sample for it.
 *
 * @param item the data item as stored in the data source (an object; may be null for no item)
 * @param sample the model's answer; null when the data source carries no sample
 */
public record GradingInput(JsonNode item, Sample sample) {}
