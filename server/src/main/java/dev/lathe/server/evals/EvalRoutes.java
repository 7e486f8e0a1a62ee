package dev.lathe.server.evals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import dev.lathe.server.http.JsonBody;
import dev.lathe.server.http.Metadata;
import dev.lathe.server.http.Paging;
import dev.lathe.server.store.Ids;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * {@code /v1/evals} in the shape of OpenAI's Evals API: create (a data source config and testing
 * criteria, see {@link EvalDefinition}), list, retrieve, update (name and metadata) and delete
 * (with its runs). Evals belong to the caller's project; another project's id is a 404.
 */
public final class EvalRoutes {
  private static final Set<String> UPDATE_FIELDS = Set.of("name", "metadata");

  private final EvalStore store;
  private final RunRoutes runs;
  private final ObjectMapper json;
  private final InstantSource clock;
  private final Ids ids;
  private final BiPredicate<String, Caller> served;

  /**
   * @param served whether a model name (a model grader's judge) is served to a caller
   */
  public EvalRoutes(
      EvalStore store,
      RunRoutes runs,
      BiPredicate<String, Caller> served,
      ObjectMapper json,
      InstantSource clock,
      Ids ids) {
    this.served = served;
    this.store = store;
    this.runs = runs;
    this.json = json;
    this.clock = clock;
    this.ids = ids;
  }

  public void register(Javalin app) {
    app.post("/v1/evals", this::create);
    app.get("/v1/evals", this::list);
    app.get("/v1/evals/{id}", ctx -> ctx.json(evalObject(require(ctx))));
    app.post("/v1/evals/{id}", this::update);
    app.delete("/v1/evals/{id}", this::delete);
    runs.register(app, this::require);
  }

  /** The caller's eval named in the path, or a 404. */
  EvalStore.Eval require(Context ctx) {
    String id = ctx.pathParam("id");
    return store
        .eval(id)
        .filter(e -> Caller.of(ctx).sees(e.project()))
        .orElseThrow(() -> ApiException.noSuch("Eval", id));
  }

  private void create(Context ctx) {
    JsonNode body = JsonBody.object(ctx, json);
    Caller caller = Caller.of(ctx);
    EvalDefinition definition = EvalDefinition.read(body, m -> served.test(m, caller), json);
    String name = name(body).orElse("Eval");
    Map<String, String> metadata = Metadata.read(body, "metadata").orElse(Map.of());
    EvalStore.Eval eval =
        new EvalStore.Eval(
            ids.next("eval_", 32),
            caller.project(),
            name,
            clock.instant(),
            definition.dataSourceConfig(),
            definition.criteriaJson(json),
            json.valueToTree(metadata));
    store.insert(eval);
    ctx.json(evalObject(eval));
  }

  private void update(Context ctx) {
    EvalStore.Eval eval = require(ctx);
    JsonNode body = JsonBody.object(ctx, json);
    body.fieldNames()
        .forEachRemaining(
            f -> {
              if (!UPDATE_FIELDS.contains(f)) {
                throw ApiException.invalid(
                    "'"
                        + f
                        + "' cannot be changed: an eval's update takes only 'name' and"
                        + " 'metadata'. Create a new eval for other changes.",
                    f);
              }
            });
    String name = name(body).orElse(eval.name());
    JsonNode metadata =
        Metadata.read(body, "metadata").<JsonNode>map(json::valueToTree).orElse(eval.metadata());
    store.rename(eval.id(), name, metadata);
    ctx.json(evalObject(store.eval(eval.id()).orElseThrow()));
  }

  private void delete(Context ctx) {
    EvalStore.Eval eval = require(ctx);
    runs.stopAll(eval.id());
    store.deleteEval(eval.id());
    ObjectNode o = json.createObjectNode();
    o.put("object", "eval.deleted");
    o.put("deleted", true);
    o.put("eval_id", eval.id());
    ctx.json(o);
  }

  private void list(Context ctx) {
    Caller caller = Caller.of(ctx);
    int limit = Paging.limit(ctx, 20, 100);
    boolean ascending = Paging.ascending(ctx, true);
    String orderBy = ctx.queryParam("order_by");
    if (orderBy != null && !orderBy.equals("created_at") && !orderBy.equals("updated_at")) {
      throw ApiException.invalid(
          "Invalid 'order_by': '" + orderBy + "'. Expected 'created_at' or 'updated_at'.",
          "order_by");
    }
    // an eval changes only its name and metadata, so its update order is its creation order
    List<EvalStore.Eval> all = store.evals(caller.admin() ? null : caller.project());
    ctx.json(
        page(
            json,
            ctx,
            ascending ? all : all.reversed(),
            EvalStore.Eval::id,
            limit,
            "Eval",
            this::evalObject));
  }

  /**
   * One page of {@code ordered} after the {@code after} query parameter's object, in OpenAI's list
   * envelope.
   */
  static <T> ObjectNode page(
      ObjectMapper json,
      Context ctx,
      List<T> ordered,
      Function<T, String> id,
      int limit,
      String objectType,
      Function<T, ObjectNode> render) {
    int from = 0;
    String after = ctx.queryParam("after");
    if (after != null) {
      from = -1;
      for (int i = 0; i < ordered.size(); i++) {
        if (id.apply(ordered.get(i)).equals(after)) {
          from = i + 1;
        }
      }
      if (from < 0) {
        throw ApiException.invalid(
            "No such " + objectType + " object for 'after': " + after, "after");
      }
    }
    int to = Math.min(ordered.size(), from + limit);
    ArrayNode data = json.createArrayNode();
    ordered.subList(from, to).forEach(x -> data.add(render.apply(x)));
    return Paging.list(json, data, to < ordered.size());
  }

  private static java.util.Optional<String> name(JsonNode body) {
    if (!JsonBody.present(body, "name")) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(JsonBody.requiredString(body, "name"));
  }

  ObjectNode evalObject(EvalStore.Eval e) {
    ObjectNode o = json.createObjectNode();
    o.put("object", "eval");
    o.put("id", e.id());
    o.put("name", e.name());
    o.put("created_at", e.createdAt().getEpochSecond());
    o.set("data_source_config", e.dataSourceConfig());
    o.set("testing_criteria", e.testingCriteria());
    o.set("metadata", e.metadata());
    return o;
  }
}
