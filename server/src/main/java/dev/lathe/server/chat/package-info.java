/**
 * {@code /v1/chat/completions} and the legacy {@code /v1/completions}: request fields, generation
 * through the model registry, whole or streamed answers.
 */
package dev.lathe.server.chat;
