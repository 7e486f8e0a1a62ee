package dev.lathe.server.files;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.store.StoredFile;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;

/**
 * {@code GET /v1/lathe/files/{file_id}/validation}: the dataset validator's report stored with a
 * {@code fine-tune} upload (see {@link FileRoutes}), as the dataset module's {@code
 * ValidationReport} JSON with {@code object} and {@code file_id} in front, so the dashboard can
 * show a file's problems without uploading it again. Another project's file is a 404 like any
 * unknown file; a file of another purpose has no report and is a 400 naming {@code file_id}.
 */
public final class ValidationReports {
  private final FileRoutes files;
  private final ObjectMapper json;

  public ValidationReports(FileRoutes files, ObjectMapper json) {
    this.files = files;
    this.json = json;
  }

  public void register(Javalin app) {
    app.get("/v1/lathe/files/{file_id}/validation", this::get);
  }

  private void get(Context ctx) throws IOException {
    String id = ctx.pathParam("file_id");
    StoredFile file;
    try {
      file = files.require(id, Caller.of(ctx));
    } catch (ApiException e) {
      throw new ApiException(404, e.type(), e.getMessage(), "file_id", e.code());
    }
    ctx.json(report(file, "file_id"));
  }

  /**
   * The report of {@code file} as {@code lathe.validation_report}, or a 400 naming {@code param}
   * when the file has none (it was not uploaded for fine-tuning).
   */
  public ObjectNode report(StoredFile file, String param) throws IOException {
    if (file.validation() == null) {
      throw ApiException.invalid(
          "File "
              + file.id()
              + " has purpose '"
              + file.purpose()
              + "' and no validation report; only files uploaded with purpose 'fine-tune' are"
              + " validated.",
          param);
    }
    ObjectNode o = json.createObjectNode();
    o.put("object", "lathe.validation_report");
    o.put("file_id", file.id());
    JsonNode stored = json.readTree(file.validation());
    o.setAll((ObjectNode) stored);
    return o;
  }
}
