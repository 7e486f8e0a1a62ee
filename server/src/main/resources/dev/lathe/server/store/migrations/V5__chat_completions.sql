-- Stored chat completions (a request with "store": true), owned by a project: the request body as
-- sent and the chat.completion answered, as JSON text; created_at in epoch milliseconds.
CREATE TABLE chat_completions (
  id TEXT PRIMARY KEY,
  seq BIGINT NOT NULL UNIQUE,
  project TEXT NOT NULL,
  model TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  request TEXT NOT NULL,
  response TEXT NOT NULL
);

CREATE INDEX chat_completions_by_project ON chat_completions (project, seq);

-- Their metadata, one row per pair (in the order given), so that filtering by a pair is plain SQL
-- on both databases.
CREATE TABLE chat_completion_metadata (
  completion_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  meta_key TEXT NOT NULL,
  meta_value TEXT NOT NULL,
  PRIMARY KEY (completion_id, meta_key)
);

CREATE INDEX chat_completion_metadata_by_pair ON chat_completion_metadata (meta_key, meta_value);

-- The last seq given to a stored completion: taken under the row's lock, so concurrent requests
-- never draw the same one.
CREATE TABLE server_counters (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);

INSERT INTO server_counters (name, value) VALUES ('chat_completions', 0);
