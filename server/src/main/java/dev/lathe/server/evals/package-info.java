/**
 * Evals in the shape of OpenAI's Evals API ({@code /v1/evals}, runs, output items), so the official
 * SDKs' {@code client.evals()} work: an eval's data source config and testing criteria ({@link
 * dev.lathe.server.evals.EvalDefinition}), its runs' data sources ({@link
 * dev.lathe.server.evals.RunSource}), the tables ({@link dev.lathe.server.evals.EvalStore}), and
 * the worker side: a run is a job of kind {@code eval_run} ({@link
 * dev.lathe.server.evals.EvalRunHandler}) that samples each item through the chat completions path
 * and grades it with the {@code graders} subpackage, writing each item (and its part of the run's
 * counts) as it finishes, so a resumed run skips what is done.
 */
package dev.lathe.server.evals;
