-- What sort of work a job is (fine-tuning, an eval run, ...): lists are per kind and a worker
-- claims only the kinds it has a handler for. Every job before this was a fine-tuning job.
ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT 'fine_tune';

CREATE INDEX jobs_by_kind ON jobs (kind, project, seq);

CREATE INDEX jobs_runnable_by_kind ON jobs (status, kind, priority, seq);
