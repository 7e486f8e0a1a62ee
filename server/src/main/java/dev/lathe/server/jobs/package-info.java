/**
 * {@code /v1/fine_tuning/jobs}: the typed request ({@link dev.lathe.server.jobs.FineTuneRequest})
 * parsed once at the edge and stored as that record, its hyperparameters, the job error record, the
 * bases a job may train on, and the routes (create, list, retrieve, cancel, pause, resume, events,
 * checkpoints).
 */
package dev.lathe.server.jobs;
