package dev.lathe.server.store;

import java.time.Instant;

/**
 * One uploaded file's metadata (its bytes live under the data dir as {@code storageName}).
 *
 * @param id {@code file-…}
 * @param project the owning project
 * @param bytes size
 * @param createdAt when it was uploaded (stored to the millisecond; the API shows seconds)
 * @param filename the client's file name (display only; never used as a path)
 * @param purpose OpenAI's purpose, e.g. {@code fine-tune}
 * @param status {@code processed} (or {@code error})
 * @param sha256 hex digest of the content
 * @param storageName the file name under the files directory
 * @param validation the dataset validation report as JSON for {@code fine-tune} files, else null
 */
public record StoredFile(
    String id,
    String project,
    long bytes,
    Instant createdAt,
    String filename,
    String purpose,
    String status,
    String sha256,
    String storageName,
    String validation) {}
