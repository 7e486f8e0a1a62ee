/**
 * {@code /v1/models}, and the registry that resolves a model name (a configured base, an {@code
 * ft:} model or a checkpoint) for the caller's project and loads its weights for serving through
 * the inference module, within a memory budget.
 */
package dev.lathe.server.models;
