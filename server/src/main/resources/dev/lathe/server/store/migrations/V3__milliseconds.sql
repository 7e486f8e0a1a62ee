-- One time unit for the whole schema: epoch milliseconds, as the job queue's tables have always
-- kept them (a lease or a heartbeat needs finer than seconds). The server's two time columns were
-- epoch seconds; the API still shows seconds, so every value it serves stays the same.
UPDATE files SET created_at = created_at * 1000;

UPDATE models SET created = created * 1000;
