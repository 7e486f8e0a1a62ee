-- The server's own tables, beside the job queue's in the same database. Common SQL for SQLite and
-- PostgreSQL: times are epoch seconds (BIGINT), JSON is TEXT.
CREATE TABLE files (
  id TEXT PRIMARY KEY,
  seq BIGINT NOT NULL UNIQUE,
  project TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  filename TEXT NOT NULL,
  purpose TEXT NOT NULL,
  status TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  storage_name TEXT NOT NULL,
  validation TEXT
);

CREATE INDEX files_by_project ON files (project, seq);

-- Fine-tuned and checkpoint models (written by the job handler): a base plus an adapter directory.
CREATE TABLE models (
  id TEXT PRIMARY KEY,
  project TEXT NOT NULL,
  created BIGINT NOT NULL,
  base_model TEXT NOT NULL,
  adapter_dir TEXT NOT NULL,
  job_id TEXT
);
