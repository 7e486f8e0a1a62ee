-- Evals (OpenAI's Evals API), owned by a project: the data source config and testing criteria as
-- JSON text, as the API shows them. created_at in epoch milliseconds.
CREATE TABLE evals (
  id TEXT PRIMARY KEY,
  seq BIGINT NOT NULL UNIQUE,
  project TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  data_source_config TEXT NOT NULL,
  testing_criteria TEXT NOT NULL,
  metadata TEXT NOT NULL
);

CREATE INDEX evals_by_project ON evals (project, seq);

-- A run of an eval: a job of kind eval_run (its status and error are the job's), the data source as
-- given, and what the items so far add up to (result counts, per-criterion results, per-model
-- usage), written in the same transaction as each finished item.
CREATE TABLE eval_runs (
  id TEXT PRIMARY KEY,
  seq BIGINT NOT NULL UNIQUE,
  eval_id TEXT NOT NULL,
  project TEXT NOT NULL,
  job_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  model TEXT,
  created_at BIGINT NOT NULL,
  data_source TEXT NOT NULL,
  metadata TEXT NOT NULL,
  result_counts TEXT NOT NULL,
  per_criterion TEXT NOT NULL,
  per_model_usage TEXT NOT NULL
);

CREATE INDEX eval_runs_by_eval ON eval_runs (eval_id, seq);

-- One row per data item of a run, written when the item is done (sampled and graded), so a run
-- that is resumed skips it; (run_id, item_index) is unique, so no item is counted twice.
CREATE TABLE eval_output_items (
  id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  item_index BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'error')),
  datasource_item TEXT NOT NULL,
  sample TEXT NOT NULL,
  results TEXT NOT NULL,
  UNIQUE (run_id, item_index)
);

INSERT INTO server_counters (name, value) VALUES ('evals', 0);

INSERT INTO server_counters (name, value) VALUES ('eval_runs', 0);
