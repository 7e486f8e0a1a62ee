/**
 * What the server keeps: its tables (files, fine-tuned models, job progress, stored chat
 * completions) in the job queue's database, with their versioned migrations ({@link
 * dev.lathe.server.store.ServerSchema}), the files' bytes under the data directory, and
 * OpenAI-shaped object ids.
 */
package dev.lathe.server.store;
