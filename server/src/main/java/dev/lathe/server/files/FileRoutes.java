package dev.lathe.server.files;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.ValidationReport;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.http.Paging;
import dev.lathe.server.store.FileContents;
import dev.lathe.server.store.FileStore;
import dev.lathe.server.store.Ids;
import dev.lathe.server.store.StoredFile;
import io.javalin.Javalin;
import io.javalin.http.Context;
import jakarta.servlet.MultipartConfigElement;
import jakarta.servlet.http.Part;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.server.MultiPartFormInputStream;

/**
 * {@code /v1/files}: upload (multipart {@code file} + {@code purpose}), list, retrieve, delete and
 * content.
 *
 * <p>Like OpenAI, a {@code fine-tune} upload is accepted even when its examples are invalid: the
 * dataset validator's report is stored with the file and a job that uses it fails with the report's
 * first problems. The upload itself answers {@code status: "processed"} at once.
 */
public final class FileRoutes {
  static final Set<String> PURPOSES =
      Set.of("assistants", "batch", "fine-tune", "vision", "user_data", "evals");
  private static final int MAX_LIMIT = 10_000;

  /** Parts larger than this are spooled to disk while the request is parsed. */
  static final int SPOOL_THRESHOLD = 1024 * 1024;

  /** Most parts a multipart upload may have ({@code file}, {@code purpose} and a few extras). */
  private static final int MAX_PARTS = 16;

  /** Longest value accepted for a plain form field such as {@code purpose}. */
  private static final int MAX_FIELD = 1024;

  /** The stored name of a file uploaded without one (the SDKs' byte-array uploads). */
  public static final String DEFAULT_NAME = "upload.jsonl";

  private final FileStore store;
  private final FileContents contents;
  private final ObjectMapper json;
  private final InstantSource clock;
  private final Ids ids;
  private final long uploadLimit;
  private final Path spool;

  /**
   * Routes over {@code store} and {@code contents}; uploads larger than {@code uploadLimit} bytes
   * are refused with a 413, and large parts are spooled under {@code spool} while being parsed.
   */
  public FileRoutes(
      FileStore store,
      FileContents contents,
      ObjectMapper json,
      InstantSource clock,
      Ids ids,
      long uploadLimit,
      Path spool) {
    this.spool = spool;
    this.store = store;
    this.contents = contents;
    this.json = json;
    this.clock = clock;
    this.ids = ids;
    this.uploadLimit = uploadLimit;
  }

  public void register(Javalin app) {
    app.post("/v1/files", this::upload);
    app.get("/v1/files", this::list);
    app.get("/v1/files/{id}", ctx -> ctx.json(fileObject(require(ctx))));
    app.delete("/v1/files/{id}", this::delete);
    app.get("/v1/files/{id}/content", this::content);
  }

  /** The caller's file {@code id} or a 404 (another project's file is "no such file" too). */
  public StoredFile require(String id, Caller caller) {
    return store.find(id, caller).orElseThrow(() -> ApiException.noSuch("File", id));
  }

  private StoredFile require(Context ctx) {
    return require(ctx.pathParam("id"), Caller.of(ctx));
  }

  private void upload(Context ctx) throws IOException {
    String type = ctx.contentType();
    if (type == null || !type.toLowerCase().startsWith("multipart/form-data")) {
      throw new ApiException(
          415,
          "invalid_request_error",
          "Uploads must be multipart/form-data with a 'file' part and a 'purpose' field.",
          null,
          null);
    }
    if (ctx.contentLength() > uploadLimit + 64 * 1024) {
      throw tooLarge();
    }
    MultiPartFormInputStream multipart =
        new MultiPartFormInputStream(
            ctx.req().getInputStream(),
            type,
            new MultipartConfigElement(
                spool.toString(), uploadLimit, uploadLimit + 1024 * 1024, SPOOL_THRESHOLD),
            spool.toFile(),
            MAX_PARTS);
    try {
      store(ctx, multipart);
    } finally {
      multipart.deleteParts();
    }
  }

  /**
   * Stores the upload from its parts. Jetty's parser spools every part above {@link
   * #SPOOL_THRESHOLD} to disk (with or without a filename), so nothing here holds the file in
   * memory; the servlet request's own part handling is not used because it turns every part without
   * a filename (the SDKs' byte-array uploads) into an in-memory form field capped at 200,000 bytes.
   */
  private void store(Context ctx, MultiPartFormInputStream multipart) throws IOException {
    Part part;
    Part purposePart;
    try {
      part = multipart.getPart("file");
      purposePart = multipart.getPart("purpose");
    } catch (IllegalStateException e) {
      if (String.valueOf(e.getMessage()).contains("exceeds")) {
        throw tooLarge();
      }
      throw ApiException.invalid("Could not parse the multipart body: " + e.getMessage(), "file");
    } catch (IOException | RuntimeException e) {
      throw ApiException.invalid("Could not parse the multipart body: " + e.getMessage(), "file");
    }
    if (part == null) {
      throw ApiException.invalid("Missing required parameter: 'file'.", "file");
    }
    String purpose = purposePart == null ? null : text(purposePart);
    if (purpose == null || purpose.isBlank()) {
      throw ApiException.invalid("Missing required parameter: 'purpose'.", "purpose");
    }
    purpose = purpose.strip();
    if (!PURPOSES.contains(purpose)) {
      throw ApiException.invalid(
          "Invalid value for 'purpose': '"
              + purpose
              + "'. Expected one of "
              + List.copyOf(new java.util.TreeSet<>(PURPOSES))
              + ".",
          "purpose");
    }
    StoredFile file;
    try (InputStream in = part.getInputStream()) {
      file = create(Caller.of(ctx), part.getSubmittedFileName(), purpose, in);
    }
    ctx.json(fileObject(file));
  }

  /**
   * Creates a file of {@code caller}'s project from {@code in} as an upload does: its bytes stored
   * under a new id (at most the upload limit, else a 413), a {@code fine-tune} file validated by
   * the dataset validator and its report kept. {@code filename} is made safe ({@link #safeName}).
   */
  public StoredFile create(Caller caller, String filename, String purpose, InputStream in)
      throws IOException {
    String id = ids.next("file-", 24);
    FileContents.Written written = contents.write(id, in, uploadLimit);
    String validation = null;
    if (purpose.equals("fine-tune")) {
      ValidationReport report = new DatasetValidator().validate(contents.path(id));
      validation = json.writeValueAsString(report);
    }
    StoredFile file =
        new StoredFile(
            id,
            caller.project(),
            written.bytes(),
            clock.instant(),
            safeName(filename),
            purpose,
            "processed",
            written.sha256(),
            written.storageName(),
            validation);
    store.insert(file);
    return file;
  }

  private ApiException tooLarge() {
    return new ApiException(
        413,
        "invalid_request_error",
        "File is larger than the upload limit of " + uploadLimit + " bytes.",
        "file",
        "file_too_large");
  }

  /** A small form field's value (at most {@link #MAX_FIELD} bytes), as UTF-8. */
  private static String text(Part part) throws IOException {
    if (part.getSize() > MAX_FIELD) {
      throw ApiException.invalid(
          "The '" + part.getName() + "' field is longer than " + MAX_FIELD + " bytes.",
          part.getName());
    }
    try (InputStream in = part.getInputStream()) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The client's file name reduced to its last path segment, printable, at most 255 chars. */
  public static String safeName(String raw) {
    if (raw == null || raw.isBlank()) {
      return DEFAULT_NAME;
    }
    String name = raw.replace('\\', '/');
    name = name.substring(name.lastIndexOf('/') + 1);
    name = name.replaceAll("[\\p{Cntrl}]", "");
    if (name.isBlank() || name.equals(".") || name.equals("..")) {
      return DEFAULT_NAME;
    }
    return name.length() > 255 ? name.substring(0, 255) : name;
  }

  private void list(Context ctx) {
    Caller caller = Caller.of(ctx);
    String purpose = ctx.queryParam("purpose");
    if (purpose != null && !PURPOSES.contains(purpose) && !purpose.equals("fine-tune-results")) {
      throw ApiException.invalid("Invalid value for 'purpose': '" + purpose + "'.", "purpose");
    }
    int limit = Paging.limit(ctx, MAX_LIMIT, MAX_LIMIT);
    boolean ascending = Paging.ascending(ctx);
    StoredFile after = Paging.after(ctx, id -> store.find(id, caller), "File");
    List<StoredFile> page = store.list(caller, purpose, ascending, after, limit + 1);
    ArrayNode data = json.createArrayNode();
    page.stream().limit(limit).forEach(f -> data.add(fileObject(f)));
    ctx.json(Paging.list(json, data, page.size() > limit));
  }

  private void delete(Context ctx) throws IOException {
    StoredFile file = require(ctx);
    store.delete(file.id());
    contents.delete(file.storageName());
    ObjectNode root = json.createObjectNode();
    root.put("id", file.id());
    root.put("object", "file");
    root.put("deleted", true);
    ctx.json(root);
  }

  private void content(Context ctx) throws IOException {
    StoredFile file = require(ctx);
    // the bytes first: a store that cannot be reached is answered with an error, not these headers
    Path bytes = contents.path(file.storageName());
    ctx.contentType("application/octet-stream");
    ctx.header("Content-Length", Long.toString(file.bytes()));
    ctx.result(Files.newInputStream(bytes));
  }

  /** OpenAI's {@code file} object. */
  public ObjectNode fileObject(StoredFile f) {
    ObjectNode o = json.createObjectNode();
    o.put("id", f.id());
    o.put("object", "file");
    o.put("bytes", f.bytes());
    o.put("created_at", f.createdAt().getEpochSecond());
    o.putNull("expires_at");
    o.put("filename", f.filename());
    o.put("purpose", f.purpose());
    o.put("status", f.status());
    o.putNull("status_details");
    return o;
  }
}
