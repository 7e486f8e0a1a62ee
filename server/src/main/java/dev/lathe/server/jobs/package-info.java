/**
 * {@code /v1/fine_tuning/jobs}: the typed request ({@link dev.lathe.server.jobs.FineTuneRequest})
 * parsed once at the edge, the handler workers run ({@link
 * dev.lathe.server.jobs.FineTuningJobHandler}), its events, metrics, checkpoints and result files;
 * and the dashboard's estimate and masking-preview extensions.
 */
package dev.lathe.server.jobs;
