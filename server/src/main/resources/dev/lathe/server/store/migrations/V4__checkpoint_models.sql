-- A checkpoint's model name now lives on its row in job_checkpoints (jobqueue V2), no longer in
-- job_progress's "checkpoint_models" object, which is left unread. The names are recovered from
-- the models rows, so no JSON is parsed here:
-- an epoch checkpoint's model is served from a directory inside the checkpoint's own;
UPDATE job_checkpoints SET model = (
  SELECT m.id FROM models m
  WHERE m.job_id = job_checkpoints.job_id AND m.adapter_dir LIKE job_checkpoints.location || '/%')
WHERE model IS NULL;
-- the last one's model is the job's final model, the job's one model served from elsewhere;
UPDATE job_checkpoints SET model = (
  SELECT m.id FROM models m
  WHERE m.job_id = job_checkpoints.job_id
    AND NOT EXISTS (
      SELECT 1 FROM job_checkpoints c
      WHERE c.job_id = m.job_id AND m.adapter_dir LIKE c.location || '/%'))
WHERE model IS NULL
  AND step = (SELECT MAX(c.step) FROM job_checkpoints c WHERE c.job_id = job_checkpoints.job_id);
-- older ones without a model are the epochs' checkpoints removed when only the newest three were
-- kept (their rows stayed, hidden from the list); they go.
DELETE FROM job_checkpoints
WHERE model IS NULL
  AND step < (SELECT MAX(c.step) FROM job_checkpoints c WHERE c.job_id = job_checkpoints.job_id);
