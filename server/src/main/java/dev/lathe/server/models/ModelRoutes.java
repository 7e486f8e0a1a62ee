package dev.lathe.server.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.store.FineTunedModels;
import io.javalin.Javalin;
import io.javalin.http.Context;

/**
 * {@code /v1/models}: the configured bases and their aliases ({@code owned_by: "system"}, {@code
 * created} = server start), then the caller's fine-tuned and checkpoint models ({@code owned_by} =
 * the owning project). Only fine-tunes can be deleted (their loaded adapters or weights are dropped
 * too); a base answers 404 like an unknown name.
 */
public final class ModelRoutes {
  private final ModelRegistry registry;
  private final FineTunedModels fineTuned;
  private final ObjectMapper json;
  private final long startedAt;

  public ModelRoutes(
      ModelRegistry registry, FineTunedModels fineTuned, ObjectMapper json, long startedAt) {
    this.registry = registry;
    this.fineTuned = fineTuned;
    this.json = json;
    this.startedAt = startedAt;
  }

  public void register(Javalin app) {
    app.get("/v1/models", this::list);
    app.get("/v1/models/{model}", this::retrieve);
    app.delete("/v1/models/{model}", this::delete);
  }

  private void list(Context ctx) {
    ObjectNode root = json.createObjectNode();
    root.put("object", "list");
    ArrayNode data = root.putArray("data");
    registry.baseNames().forEach(name -> data.add(model(name, startedAt, "system")));
    registry.aliases().keySet().stream()
        .sorted()
        .forEach(name -> data.add(model(name, startedAt, "system")));
    fineTuned
        .list(Caller.of(ctx))
        .forEach(r -> data.add(model(r.id(), r.created().getEpochSecond(), r.project())));
    ctx.json(root);
  }

  private void retrieve(Context ctx) {
    String name = ctx.pathParam("model");
    Caller caller = Caller.of(ctx);
    var row = fineTuned.find(name, caller);
    if (row.isPresent()) {
      ctx.json(model(name, row.get().created().getEpochSecond(), row.get().project()));
      return;
    }
    registry.resolve(name, caller).orElseThrow(() -> ApiException.modelNotFound(name, "model"));
    ctx.json(model(name, startedAt, "system"));
  }

  private void delete(Context ctx) {
    String name = ctx.pathParam("model");
    Caller caller = Caller.of(ctx);
    if (fineTuned.find(name, caller).isEmpty()) {
      // bases are not deletable: like an unknown id, they answer 404
      throw ApiException.modelNotFound(name, "model");
    }
    fineTuned.delete(name);
    registry.forget(name);
    ObjectNode root = json.createObjectNode();
    root.put("id", name);
    root.put("object", "model");
    root.put("deleted", true);
    ctx.json(root);
  }

  private ObjectNode model(String id, long created, String ownedBy) {
    ObjectNode o = json.createObjectNode();
    o.put("id", id);
    o.put("object", "model");
    o.put("created", created);
    o.put("owned_by", ownedBy);
    return o;
  }
}
