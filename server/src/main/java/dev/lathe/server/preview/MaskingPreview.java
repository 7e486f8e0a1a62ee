package dev.lathe.server.preview;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.dataset.DatasetFormat;
import dev.lathe.finetune.RenderedTokens;
import dev.lathe.server.files.FileRoutes;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.http.JsonBody;
import dev.lathe.server.store.FileContents;
import dev.lathe.server.store.StoredFile;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Set;
import java.util.TreeMap;

/**
 * {@code POST /v1/lathe/masking_preview}: one example rendered exactly as a fine-tuning job of
 * {@code model} renders it (the model's tokenizer and chat template, or the plain template; cut to
 * its context), token by token: the decoded text piece, whether the loss is taken on it, and who
 * wrote it ({@link RenderedTokens}). The counts are those training trains: the preview and the job
 * share the renderer. A preference (DPO) example shows its preferred answer (what DPO trains the
 * model towards; {@code answer: "preferred"}).
 *
 * <p>Body: {@code {model, file_id, line?}} (a line of an uploaded fine-tune file; by default its
 * first valid example) or {@code {model, example}}.
 */
public final class MaskingPreview {
  static final Set<String> FIELDS = Set.of("model", "file_id", "line", "example");

  private final FileRoutes files;
  private final FileContents contents;
  private final ExampleRenderers renderers;
  private final ObjectMapper json;

  public MaskingPreview(
      FileRoutes files, FileContents contents, ExampleRenderers renderers, ObjectMapper json) {
    this.files = files;
    this.contents = contents;
    this.renderers = renderers;
    this.json = json;
  }

  public void register(Javalin app) {
    app.post("/v1/lathe/masking_preview", this::preview);
  }

  private void preview(Context ctx) throws IOException {
    JsonNode body = JsonBody.object(ctx, json);
    JsonBody.refuseUnknown(body, FIELDS);
    Caller caller = Caller.of(ctx);
    String model = JsonBody.requiredString(body, "model");
    boolean fromFile = JsonBody.present(body, "file_id");
    boolean inline = JsonBody.present(body, "example");
    if (fromFile == inline) {
      throw ApiException.invalid(
          fromFile
              ? "Give either 'file_id' (with an optional 'line') or 'example', not both."
              : "Missing required parameter: 'file_id' (or give one 'example').",
          fromFile ? "example" : "file_id");
    }
    Long line = null;
    if (JsonBody.present(body, "line")) {
      if (inline) {
        throw ApiException.invalid("'line' refers to a line of 'file_id'; omit it.", "line");
      }
      line = (long) JsonBody.integer(body, "line", 1, 1, Integer.MAX_VALUE);
    }
    PreviewExample example;
    if (fromFile) {
      StoredFile file = file(JsonBody.requiredString(body, "file_id"), caller);
      ExampleRenderers.Rendering r = renderers.forModel(model, caller, "model");
      example = PreviewExample.ofLine(file, contents.path(file.storageName()), line);
      ctx.json(response(model, r, example));
    } else {
      if (!body.get("example").isObject()) {
        throw ApiException.invalid(
            "Invalid type for 'example': expected one JSON object (one line of a training file).",
            "example");
      }
      ExampleRenderers.Rendering r = renderers.forModel(model, caller, "model");
      ctx.json(response(model, r, PreviewExample.ofInline(body.get("example"), json)));
    }
  }

  private StoredFile file(String id, Caller caller) {
    StoredFile file;
    try {
      file = files.require(id, caller);
    } catch (ApiException e) {
      throw new ApiException(404, e.type(), e.getMessage(), "file_id", e.code());
    }
    if (!file.purpose().equals("fine-tune")) {
      throw ApiException.invalid(
          "File "
              + id
              + " has purpose '"
              + file.purpose()
              + "'; only fine-tune files can be"
              + " previewed.",
          "file_id");
    }
    return file;
  }

  private ObjectNode response(String model, ExampleRenderers.Rendering r, PreviewExample ex) {
    long at = ex.line() == null ? 0 : ex.line();
    RenderedTokens tokens;
    String param = ex.line() == null ? "example" : "line";
    try {
      synchronized (r) {
        tokens =
            ex.format() == DatasetFormat.PREFERENCE
                ? r.renderer().renderPreferredTokens(at, ex.json())
                : r.renderer().renderTokens(at, ex.format(), ex.json());
      }
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(
          "The example cannot be rendered for " + model + ": " + e.getMessage(), param);
    }
    String[] pieces = TokenPieces.of(r.tokenizer(), tokens.ids());
    ObjectNode o = json.createObjectNode();
    o.put("object", "lathe.masking_preview");
    o.put("model", model);
    if (ex.line() == null) {
      o.putNull("line");
    } else {
      o.put("line", ex.line());
    }
    o.put("format", ex.format().name());
    if (ex.format() == DatasetFormat.PREFERENCE) {
      o.put("answer", "preferred");
    }
    o.put("context_length", r.contextLength());
    o.put("truncated", tokens.example().truncated());
    ArrayNode list = o.putArray("tokens");
    int trained = 0;
    TreeMap<String, Integer> ignored = new TreeMap<>();
    boolean chat = ex.format() == DatasetFormat.CHAT;
    for (int i = 0; i < tokens.ids().length; i++) {
      boolean t = tokens.trained(i);
      String role = tokens.roles()[i];
      list.addObject()
          .put("id", tokens.ids()[i])
          .put("text", pieces[i])
          .put("trained", t)
          .put("role", role);
      if (t) {
        trained++;
      } else {
        // an untrained assistant token of a chat is a weight-0 turn's; in a DPO prompt, context
        String key = chat && role.equals("assistant") ? "assistant_weight_0" : role;
        ignored.merge(key, 1, Integer::sum);
      }
    }
    ObjectNode counts = o.putObject("counts");
    counts.put("total", tokens.ids().length);
    counts.put("trained", trained);
    counts.put("ignored", tokens.ids().length - trained);
    ObjectNode byRole = counts.putObject("ignored_by_role");
    ignored.forEach(byRole::put);
    return o;
  }
}
