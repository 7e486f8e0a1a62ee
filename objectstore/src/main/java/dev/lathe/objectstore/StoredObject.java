package dev.lathe.objectstore;

/**
 * One stored object.
 *
 * @param key its key
 * @param size its size in bytes
 * @param sha256 the SHA-256 recorded when it was written (lower-case hex), or null where the store
 *     records none (the local directory: its bytes never cross a network)
 */
public record StoredObject(String key, long size, String sha256) {}
