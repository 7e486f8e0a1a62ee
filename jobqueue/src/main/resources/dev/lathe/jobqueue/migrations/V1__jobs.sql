-- Jobs, their events and checkpoints. The same file runs on SQLite and PostgreSQL, so it keeps to
-- their common SQL: times are epoch milliseconds (BIGINT), flags are 0/1 (INTEGER), JSON is TEXT.
CREATE TABLE jobs (
  id TEXT PRIMARY KEY,
  seq BIGINT NOT NULL UNIQUE,
  project TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('validating_files', 'queued', 'running', 'paused',
                                         'succeeded', 'failed', 'cancelled')),
  priority INTEGER NOT NULL,
  payload TEXT NOT NULL,
  result TEXT,
  error TEXT,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT,
  attempt INTEGER NOT NULL CHECK (attempt >= 1),
  lease_owner TEXT,
  lease_expires_at BIGINT,
  heartbeat_at BIGINT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  pause_requested INTEGER NOT NULL DEFAULT 0,
  last_event_seq BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX jobs_by_project ON jobs (project, seq);

CREATE INDEX jobs_runnable ON jobs (status, priority, seq);

CREATE INDEX jobs_by_lease ON jobs (status, lease_expires_at);

-- Creation order of jobs: one row per counter, incremented under its row lock.
CREATE TABLE job_counters (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);

INSERT INTO job_counters (name, value) VALUES ('jobs', 0);

CREATE TABLE job_events (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES jobs (id),
  seq BIGINT NOT NULL,
  idempotency_key TEXT,
  created_at BIGINT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('info', 'warn', 'error')),
  message TEXT NOT NULL,
  type TEXT NOT NULL,
  data TEXT,
  UNIQUE (job_id, seq),
  UNIQUE (job_id, idempotency_key)
);

CREATE TABLE job_checkpoints (
  id TEXT PRIMARY KEY,
  job_id TEXT NOT NULL REFERENCES jobs (id),
  step BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  metrics TEXT,
  location TEXT NOT NULL,
  UNIQUE (job_id, step)
);
