-- The name of the model made from a checkpoint (OpenAI's fine_tuned_model_checkpoint), recorded
-- with the checkpoint itself. Null for a checkpoint no model is made from.
ALTER TABLE job_checkpoints ADD COLUMN model TEXT;
