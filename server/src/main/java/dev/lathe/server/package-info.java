/**
 * Lathe's OpenAI-compatible HTTP API ({@code lathe serve}), so the official SDKs work after
 * changing only the base URL to {@code http://host:port/v1}.
 *
 * <p>Built so far: {@code /v1/files} (upload, list, retrieve, delete, content), {@code /v1/models}
 * (list, retrieve, delete fine-tunes), {@code /v1/chat/completions} and legacy {@code
 * /v1/completions} (whole or streamed as server-sent events; every request field checked against
 * one table, {@link dev.lathe.server.chat.RequestFields}) for configured base models, stored chat
 * completions ({@code store: true}; list, retrieve, messages, update, delete: {@link
 * dev.lathe.server.chat.StoredCompletionRoutes}), and {@code /v1/fine_tuning/jobs} (create with
 * request and dataset validation, list, retrieve, cancel, pause, resume, events, checkpoints) on
 * the job queue's store, trained by in-process workers ({@link dev.lathe.server.JobWorkers}, or
 * {@code lathe worker} processes on the same database and data dir) running {@link
 * dev.lathe.server.training.FineTuningJobHandler}. Lathe's own extensions, for the dashboard, live
 * under {@code /v1/lathe/}: a fine-tune file's stored validation report ({@link
 * dev.lathe.server.files.ValidationReports}), a masking preview of one example ({@link
 * dev.lathe.server.preview.MaskingPreview}), a job estimate ({@link
 * dev.lathe.server.preview.TrainingEstimates}) and the export of stored chat completions as a
 * fine-tuning file ({@link dev.lathe.server.chat.CompletionExport}, {@code lathe distill}); metrics
 * events carry {@code tokens_per_second} and {@code trained_tokens} besides OpenAI's fields.
 *
 * <p>The module's packages, each depending only on those listed before it:
 *
 * <ul>
 *   <li>{@link dev.lathe.server.http}: the HTTP plumbing every route shares (the error envelope,
 *       the caller's project, JSON bodies and fields, paging, server-sent events) and the
 *       dashboard's static assets;
 *   <li>{@link dev.lathe.server.telemetry}: operator metrics (Prometheus), the health probes and
 *       the JSON log format;
 *   <li>{@link dev.lathe.server.store}: the server's tables and file bytes (files, fine-tuned
 *       models, job progress, stored chat completions), their migrations, and object ids;
 *   <li>{@link dev.lathe.server.files}: {@code /v1/files} and a file's validation report;
 *   <li>{@link dev.lathe.server.models}: {@code /v1/models} and the registry that loads weights for
 *       serving (through the inference module);
 *   <li>{@link dev.lathe.server.chat}: {@code /v1/chat/completions} and {@code /v1/completions},
 *       tools and structured outputs, stored chat completions and their export;
 *   <li>{@link dev.lathe.server.evals}: {@code /v1/evals}, runs (jobs of kind {@code eval_run}
 *       sampled through the chat path) and output items; {@code evals.graders}, the criteria;
 *   <li>{@link dev.lathe.server.jobs}: {@code /v1/fine_tuning/jobs} and the typed job request;
 *   <li>{@link dev.lathe.server.training}: the handler workers run, which trains and records;
 *   <li>{@link dev.lathe.server.preview}: the estimate and masking-preview extensions;
 *   <li>this package: the configuration, {@link dev.lathe.server.Services} (built once, used by
 *       {@code lathe serve} and {@code lathe worker}), API keys, the workers and the server.
 * </ul>
 *
 * <p>Decisions:
 *
 * <ul>
 *   <li>Every failure is answered by {@link dev.lathe.server.http.ApiErrors} with OpenAI's envelope
 *       {@code {"error":{"message","type","param","code"}}}; a client's mistake is always a 4xx
 *       naming the offending field in {@code param}; every response has an {@code x-request-id}.
 *   <li>API keys (from the config file) are held only as SHA-256 hashes; each belongs to a project,
 *       whose objects are the only ones it sees (another project's id answers 404 as if it did not
 *       exist); an admin key sees all. With no keys configured the server runs key-less as the
 *       single project {@code local} and refuses to bind anywhere but loopback.
 *   <li>Uploads stream to a temporary file under the data dir while hashing (SHA-256) and counting
 *       against the size limit, are forced to disk and renamed atomically; the stored name is the
 *       file id, never the client's file name. A {@code file} part without a filename (the SDKs'
 *       byte-array uploads) is a file like any other, named {@code upload.jsonl}.
 *   <li>Like OpenAI, an invalid {@code fine-tune} file is accepted at upload ({@code status:
 *       "processed"}); the dataset validator's report is stored with it so that a job using it can
 *       fail with the report's first problems.
 *   <li>File and fine-tuned model metadata live in the job queue's database (SQLite under the data
 *       dir, or PostgreSQL), in the server's own versioned migrations ({@link
 *       dev.lathe.server.store.ServerSchema}), applied with the queue's by one runner and recorded
 *       in one bookkeeping table.
 *   <li>Model weights are loaded on first use and shared by every name that resolves to the same
 *       base; idle ones are evicted when the weight files would exceed the memory budget.
 *   <li>A LoRA fine-tune ({@code ft:…}, {@code …:ckpt-step-N}) is its base's weights plus its PEFT
 *       adapter, read once and applied at forward time; the adapter's bytes count in the budget and
 *       it goes when its base is evicted. A full fine-tune is a model of its own. A fine-tune whose
 *       files are gone answers 404 {@code model_not_available} saying why.
 *   <li>Fine-tuning defaults: LoRA rank 16 (alpha 32, every linear layer) for every job, or full
 *       fine-tuning with {@code "lora_rank": 0} in the server config (OpenAI's API has no such
 *       switch); {@code auto} hyperparameters resolve as {@link
 *       dev.lathe.finetune.Hyperparameters#resolve} says. A job trains into {@code <data>/jobs/<job
 *       id>/} and always resumes from its newest checkpoint there: a pause or a shutdown
 *       checkpoints the step it stopped at, and step events are keyed so none repeats.
 *   <li>Model names are {@code ft:BASE:PROJECT:SUFFIX:ID}: BASE is the name the job asked for (an
 *       alias keeps its own), the organization slug is the project. Each epoch end adds a {@code
 *       …:ckpt-step-N} model (the last epoch's is the final model); only the last three are kept.
 *   <li>A job's {@code model} may be one of the project's {@code ft:} models (e.g. DPO after SFT):
 *       training starts from its whole weights (a LoRA fine-tune's adapter merged into a working
 *       copy of its base), which is also the DPO reference; the new models are named after the
 *       original base and served as merged directories.
 *   <li>A request field is never silently ignored: each field of OpenAI's reference is implemented,
 *       accepted where it cannot change anything here ({@code service_tier} {@code auto}/{@code
 *       default}, {@code user}, {@code safety_identifier}, the prompt-cache hints), or refused by
 *       name; unknown fields get OpenAI's "Unrecognized request argument supplied".
 *   <li>Stored chat completions keep the request body as sent and the answer (a stream's
 *       assembled); metadata pairs live in their own rows so that filtering is the same SQL on
 *       SQLite and PostgreSQL. The export takes the first choice of each and only the caller's own
 *       project's completions (an admin's too), since the file is created in that project.
 *   <li>The result file is plain CSV text ({@code step_metrics.csv}, OpenAI's five columns), not
 *       the base64 some users reported, which no CSV reader would take.
 * </ul>
 */
package dev.lathe.server;
