/**
 * {@code /v1/chat/completions} and the legacy {@code /v1/completions}: request fields (one table,
 * {@link dev.lathe.server.chat.RequestFields}), generation through the model registry, whole or
 * streamed answers; stored chat completions and their export as a fine-tuning file.
 */
package dev.lathe.server.chat;
