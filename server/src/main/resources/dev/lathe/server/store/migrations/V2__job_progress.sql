-- What the job handler learns while a fine-tuning job runs, shown on the job object:
-- resolved hyperparameters, trained_tokens, estimated_finish, fine_tuned_model, result_files
-- and the model name of each checkpoint (a JSON object, merged key by key).
CREATE TABLE job_progress (
  job_id TEXT PRIMARY KEY,
  fields TEXT NOT NULL
);
