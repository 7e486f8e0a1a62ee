/**
 * Structured outputs (OpenAI's {@code response_format}: {@code json_object} and {@code
 * json_schema}) by constrained decoding over the model's real vocabulary.
 *
 * <pre>
 * response_format / JSON Schema ──SchemaCompiler──▶ Shape graph ──▶ JsonGrammar (+ JsonLimits)
 *                                                                      │ JsonConstraint.of(grammar, tokenizer)
 * tokenizer ──TokenBytes──▶ bytes per token ──▶ VocabularyIndex (trie, string bitsets; cached)
 *                                                                      ▼
 * Generator step: mask(logits) ── walk trie with JsonMatcher, prune refused bytes ──▶ sample
 *                   (near the token budget's end: and tokens after which MinBytes > tokens left)
 *                 accept(token) ── JsonMatcher.advance(token bytes) ──▶ finished? stop
 * </pre>
 *
 * <ul>
 *   <li>{@link dev.lathe.inference.json.JsonGrammar}: the schema subset and the generation rules
 *       (property order, whitespace, limits) — read its class comment first.
 *   <li>{@link dev.lathe.inference.json.JsonMatcher}: the byte-level, immutable, dead-end-free
 *       recognizer (a small set of frame stacks).
 *   <li>{@link dev.lathe.inference.json.MinBytes}: the shortest document per shape, and the fewest
 *       bytes that complete one from a matcher state, so the document closes within the token
 *       budget.
 *   <li>{@link dev.lathe.inference.json.JsonConstraint}: the {@link
 *       dev.lathe.inference.TokenConstraint} a {@link dev.lathe.inference.GenerationRequest}
 *       carries; refuses a vocabulary that cannot write a needed character.
 *   <li>Errors are {@link dev.lathe.inference.json.JsonConstraintException} (and its subclass
 *       {@link dev.lathe.inference.json.UnsupportedSchemaException}): the request's fault, an HTTP
 *       400.
 * </ul>
 */
package dev.lathe.inference.json;
