/**
 * {@code /v1/files}: upload, list, retrieve, delete, content; and a fine-tune file's stored
 * validation report ({@code /v1/lathe/files/{id}/validation}).
 */
package dev.lathe.server.files;
