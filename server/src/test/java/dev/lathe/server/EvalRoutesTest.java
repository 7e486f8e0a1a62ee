package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code /v1/evals} over HTTP with one worker, on SQLite and PostgreSQL: evals created, read,
 * listed in pages, updated and deleted; runs graded by the worker (a {@code jsonl} run of given
 * samples and a {@code completions} run of stories260K), their output items, cancel and delete;
 * project isolation; and bad input, each a 4xx naming the field's path.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class EvalRoutesTest {
  @TempDir static Path dataDir;
  static TestServer server;
  static LatheHttp a;
  static LatheHttp b;

  @Parameter TestDatabase database;

  @BeforeParameterizedClassInvocation
  static void start(TestDatabase database) throws IOException {
    server =
        new TestServer(
            dataDir.resolve(database.name()), ServerConfig.DEFAULT_UPLOAD_LIMIT, 1, database);
    a = new LatheHttp(server, TestServer.KEY_A);
    b = new LatheHttp(server, TestServer.KEY_B);
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  static ObjectNode json(String text) throws IOException {
    return (ObjectNode) LatheHttp.JSON.readTree(text.replace('\'', '"'));
  }

  static final String CRITERIA =
      "[{'type': 'string_check', 'name': 'says yes', 'input': '{{sample.output_text}}',"
          + " 'reference': '{{item.expected}}', 'operation': 'eq'},"
          + " {'type': 'json_schema', 'name': 'is an object', 'input': '{{sample.output_text}}',"
          + " 'schema': {'type': 'object'}}]";

  static ObjectNode evalBody(String name) throws IOException {
    return json(
        "{'name': '"
            + name
            + "', 'metadata': {'team': 'x'}, 'data_source_config': {'type': 'custom',"
            + " 'item_schema': {'type': 'object', 'properties': {'q': {'type': 'string'},"
            + " 'expected': {'type': 'string'}}, 'required': ['q', 'expected']},"
            + " 'include_sample_schema': true}, 'testing_criteria': "
            + CRITERIA
            + "}");
  }

  static String createEval(LatheHttp http, String name) throws Exception {
    LatheHttp.Reply r = http.post("/evals", evalBody(name));
    assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
    return r.body().get("id").asText();
  }

  static JsonNode await(LatheHttp http, String evalId, String runId) throws Exception {
    long deadline = System.nanoTime() + JobWatch.PATIENCE.toNanos();
    while (true) {
      JsonNode run = http.get("/evals/" + evalId + "/runs/" + runId).body();
      String status = run.path("status").asText();
      if (!status.equals("queued") && !status.equals("in_progress")) {
        return run;
      }
      assertThat(System.nanoTime()).as("run %s still %s", runId, status).isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  /** Given samples: item 0 passes both, item 1 fails the string check, item 2 the JSON check. */
  static final String JSONL_RUN =
      "{'name': 'given', 'data_source': {'type': 'jsonl', 'source': {'type': 'file_content',"
          + " 'content': ["
          + "{'item': {'q': 'a', 'expected': '{}'}, 'sample': {'output_text': '{}'}},"
          + "{'item': {'q': 'b', 'expected': 'yes'}, 'sample': {'output_text': '{\\'k\\': 1}'}},"
          + "{'item': {'q': 'c', 'expected': 'no'}, 'sample': {'output_text': 'no'}}]}}}";

  @Test
  void evalsAreCreatedReadListedUpdatedAndDeleted() throws Exception {
    LatheHttp.Reply created = a.post("/evals", evalBody("first"));
    assertThat(created.status()).as(created.body().toString()).isEqualTo(200);
    JsonNode eval = created.body();
    String id = eval.get("id").asText();
    assertThat(id).startsWith("eval_");
    assertThat(eval.get("object").asText()).isEqualTo("eval");
    assertThat(eval.get("name").asText()).isEqualTo("first");
    assertThat(eval.at("/data_source_config/type").asText()).isEqualTo("custom");
    assertThat(eval.at("/data_source_config/schema/properties/item/required").toString())
        .isEqualTo("[\"q\",\"expected\"]");
    assertThat(eval.at("/data_source_config/schema/required").toString())
        .isEqualTo("[\"item\",\"sample\"]");
    assertThat(eval.get("testing_criteria")).hasSize(2);
    assertThat(eval.at("/testing_criteria/0/name").asText()).isEqualTo("says yes");
    assertThat(eval.at("/metadata/team").asText()).isEqualTo("x");
    assertThat(a.get("/evals/" + id).body()).isEqualTo(eval);

    LatheHttp.Reply updated =
        a.post("/evals/" + id, json("{'name': 'renamed', 'metadata': {'v': '2'}}"));
    assertThat(updated.body().get("name").asText()).isEqualTo("renamed");
    assertThat(updated.body().get("metadata").toString()).isEqualTo("{\"v\":\"2\"}");
    assertThat(updated.body().get("testing_criteria")).isEqualTo(eval.get("testing_criteria"));
    LatheHttp.Reply badUpdate = a.post("/evals/" + id, json("{'testing_criteria': []}"));
    assertThat(badUpdate.status()).isEqualTo(400);
    assertThat(badUpdate.param()).isEqualTo("testing_criteria");

    List<String> ids = new ArrayList<>(List.of(id));
    for (int i = 0; i < 3; i++) {
      ids.add(createEval(a, "more " + i));
    }
    JsonNode page1 = a.get("/evals?limit=2").body();
    List<String> all = new ArrayList<>();
    page1.get("data").forEach(e -> all.add(e.get("id").asText()));
    assertThat(page1.get("has_more").asBoolean()).isTrue();
    JsonNode rest = a.get("/evals?limit=100&after=" + page1.get("last_id").asText()).body();
    rest.get("data").forEach(e -> all.add(e.get("id").asText()));
    assertThat(all).containsSubsequence(ids);
    JsonNode newest = a.get("/evals?order=desc&limit=1").body();
    assertThat(newest.at("/data/0/id").asText()).isEqualTo(ids.getLast());

    assertThat(b.get("/evals/" + id).status()).as("another project's eval").isEqualTo(404);
    assertThat(b.get("/evals").body().get("data").toString()).doesNotContain(id);
    assertThat(b.delete("/evals/" + id).status()).isEqualTo(404);

    JsonNode deleted = a.delete("/evals/" + id).body();
    assertThat(deleted.toString())
        .isEqualTo("{\"object\":\"eval.deleted\",\"deleted\":true,\"eval_id\":\"" + id + "\"}");
    assertThat(a.get("/evals/" + id).status()).isEqualTo(404);
  }

  @Test
  void aJsonlRunGradesTheGivenSamplesOnAWorker() throws Exception {
    String evalId = createEval(a, "jsonl");
    LatheHttp.Reply created = a.post("/evals/" + evalId + "/runs", json(JSONL_RUN));
    assertThat(created.status()).as(created.body().toString()).isEqualTo(200);
    String runId = created.body().get("id").asText();
    assertThat(runId).startsWith("evalrun_");
    assertThat(created.body().get("object").asText()).isEqualTo("eval.run");
    assertThat(created.body().get("report_url").asText())
        .endsWith("/#/evals/" + evalId + "/runs/" + runId);

    JsonNode run = await(a, evalId, runId);

    assertThat(run.get("status").asText()).isEqualTo("completed");
    assertThat(run.get("result_counts").toString())
        .isEqualTo("{\"total\":3,\"errored\":0,\"failed\":2,\"passed\":1}");
    assertThat(run.get("per_testing_criteria_results").toString())
        .isEqualTo(
            "[{\"testing_criteria\":\"says yes\",\"passed\":2,\"failed\":1},"
                + "{\"testing_criteria\":\"is an object\",\"passed\":2,\"failed\":1}]");
    JsonNode items = a.get("/evals/" + evalId + "/runs/" + runId + "/output_items").body();
    assertThat(items.get("data")).hasSize(3);
    JsonNode second = items.get("data").get(1);
    assertThat(second.get("object").asText()).isEqualTo("eval.run.output_item");
    assertThat(second.get("datasource_item_id").asLong()).isEqualTo(1);
    assertThat(second.get("status").asText()).isEqualTo("fail");
    assertThat(second.at("/datasource_item/q").asText()).isEqualTo("b");
    assertThat(second.at("/results/0/passed").asBoolean()).isFalse();
    assertThat(second.at("/results/1/passed").asBoolean()).isTrue();
    assertThat(second.at("/sample/output/0/content").asText()).isEqualTo("{\"k\": 1}");
    String itemId = second.get("id").asText();
    assertThat(a.get("/evals/" + evalId + "/runs/" + runId + "/output_items/" + itemId).body())
        .isEqualTo(second);
    assertThat(
            a.get("/evals/" + evalId + "/runs/" + runId + "/output_items?status=fail")
                .body()
                .get("data"))
        .hasSize(2);
    assertThat(a.get("/evals/" + evalId + "/runs?status=completed").body().get("data")).hasSize(1);
    assertThat(a.get("/evals/" + evalId + "/runs?status=queued").body().get("data")).isEmpty();
    assertThat(a.get("/fine_tuning/jobs").body().toString())
        .as("eval runs are not fine-tuning jobs")
        .doesNotContain("\"eval_run\"")
        .doesNotContain(run.get("id").asText());

    LatheHttp.Reply cancel = a.post("/evals/" + evalId + "/runs/" + runId, "{}");
    assertThat(cancel.status()).isEqualTo(400);
    assertThat(cancel.message()).contains("completed");
    assertThat(b.get("/evals/" + evalId + "/runs/" + runId).status()).isEqualTo(404);

    JsonNode deleted = a.delete("/evals/" + evalId + "/runs/" + runId).body();
    assertThat(deleted.get("object").asText()).isEqualTo("eval.run.deleted");
    assertThat(a.get("/evals/" + evalId + "/runs/" + runId).status()).isEqualTo(404);
    assertThat(a.get("/evals/" + evalId + "/runs/" + runId + "/output_items").status())
        .isEqualTo(404);
  }

  @Test
  void aCompletionsRunSamplesAServedModel() throws Exception {
    String evalId = createEval(a, "completions");
    ObjectNode body =
        json(
            "{'data_source': {'type': 'completions', 'model': 'stories260k',"
                + " 'input_messages': {'type': 'template', 'template': [{'role': 'user',"
                + " 'content': 'Say {{item.expected}} about {{item.q}}'}]},"
                + " 'sampling_params': {'temperature': 0, 'max_completion_tokens': 6, 'seed': 3},"
                + " 'source': {'type': 'file_content', 'content': [{'item': {'q': 'a',"
                + " 'expected': 'yes'}}, {'item': {'q': 'b', 'expected': 'no'}}]}}}");
    String runId = a.post("/evals/" + evalId + "/runs", body).body().get("id").asText();

    JsonNode run = await(a, evalId, runId);

    assertThat(run.get("status").asText()).as(run.toString()).isEqualTo("completed");
    assertThat(run.get("model").asText()).isEqualTo("stories260k");
    assertThat(run.at("/result_counts/total").asLong()).isEqualTo(2);
    assertThat(run.at("/per_model_usage/0/model_name").asText()).isEqualTo("stories260k");
    assertThat(run.at("/per_model_usage/0/invocation_count").asLong()).isEqualTo(2);
    assertThat(run.at("/per_model_usage/0/completion_tokens").asLong()).isBetween(1L, 12L);
    JsonNode item =
        a.get("/evals/" + evalId + "/runs/" + runId + "/output_items").body().at("/data/0");
    assertThat(item.at("/sample/input/0/content").asText()).isEqualTo("Say yes about a");
    assertThat(item.at("/sample/model").asText()).isEqualTo("stories260k");
    assertThat(item.at("/sample/seed").asLong()).isEqualTo(3);
    assertThat(item.at("/sample/max_completion_tokens").asLong()).isEqualTo(6);
    assertThat(item.at("/sample/usage/completion_tokens").asLong()).isBetween(1L, 6L);
    // the same request through chat completions gives the same text: one generation path
    JsonNode chat =
        a.post(
                "/chat/completions",
                json(
                    "{'model': 'stories260k', 'messages': [{'role': 'user', 'content': 'Say yes"
                        + " about a'}], 'temperature': 0, 'max_completion_tokens': 6, 'seed': 3}"))
            .body();
    assertThat(item.at("/sample/output/0/content").asText())
        .isEqualTo(chat.at("/choices/0/message/content").asText());
  }

  @Test
  void aLabelModelCriterionIsJudgedByAServedModel() throws Exception {
    LatheHttp.Reply created =
        a.post(
            "/evals",
            json(
                "{'data_source_config': {'type': 'custom', 'item_schema': {'type': 'object'},"
                    + " 'include_sample_schema': true}, 'testing_criteria': [{'type':"
                    + " 'label_model', 'name': 'judged', 'model': 'stories260k', 'input':"
                    + " [{'role': 'user', 'content': 'Is {{sample.output_text}} kind? yes or no'}],"
                    + " 'labels': ['yes', 'no'], 'passing_labels': ['yes'], 'sampling_params':"
                    + " {'temperature': 0, 'max_completions_tokens': 5}}]}"));
    assertThat(created.status()).as(created.body().toString()).isEqualTo(200);
    String evalId = created.body().get("id").asText();
    String runId =
        a.post(
                "/evals/" + evalId + "/runs",
                json(
                    "{'data_source': {'type': 'jsonl', 'source': {'type': 'file_content',"
                        + " 'content': [{'item': {}, 'sample': {'output_text': 'the cat'}},"
                        + " {'item': {}, 'sample': {'output_text': 'the dog'}}]}}}"))
            .body()
            .get("id")
            .asText();

    JsonNode run = await(a, evalId, runId);

    assertThat(run.get("status").asText()).isEqualTo("completed");
    assertThat(run.at("/result_counts/total").asLong()).isEqualTo(2);
    assertThat(run.at("/per_model_usage/0/model_name").asText()).isEqualTo("stories260k");
    assertThat(run.at("/per_model_usage/0/invocation_count").asLong()).isEqualTo(2);
    assertThat(run.at("/per_model_usage/0/completion_tokens").asLong()).isBetween(2L, 10L);
    JsonNode item =
        a.get("/evals/" + evalId + "/runs/" + runId + "/output_items").body().at("/data/0");
    JsonNode judged = item.at("/results/0/sample");
    assertThat(judged.get("input").toString()).contains("Is the cat kind? yes or no");
    // the judge's words are the model's own: the same prompt through chat completions
    JsonNode chat =
        a.post(
                "/chat/completions",
                LatheHttp.JSON
                    .createObjectNode()
                    .put("model", "stories260k")
                    .put("temperature", 0)
                    .put("max_completion_tokens", 5)
                    .set("messages", judged.get("input")))
            .body();
    assertThat(judged.at("/output/0/content").asText())
        .isEqualTo(chat.at("/choices/0/message/content").asText());
  }

  @Test
  void storedCompletionsAreTheItemsOfAStoredCompletionsEval() throws Exception {
    String tag = "evals-" + database;
    for (String prompt : List.of("Once upon a time", "The cat")) {
      LatheHttp.Reply stored =
          a.post(
              "/chat/completions",
              json(
                  "{'model': 'stories260k', 'store': true, 'metadata': {'set': '"
                      + tag
                      + "'}, 'max_completion_tokens': 4, 'messages': [{'role': 'user',"
                      + " 'content': '"
                      + prompt
                      + "'}]}"));
      assertThat(stored.status()).as(stored.body().toString()).isEqualTo(200);
    }
    LatheHttp.Reply created =
        a.post(
            "/evals",
            json(
                "{'data_source_config': {'type': 'stored_completions', 'metadata': {'set': '"
                    + tag
                    + "'}}, 'testing_criteria': [{'type': 'json_valid', 'name': 'json'}]}"));
    assertThat(created.status()).as(created.body().toString()).isEqualTo(200);
    assertThat(created.body().at("/data_source_config/type").asText())
        .isEqualTo("stored_completions");
    String evalId = created.body().get("id").asText();
    LatheHttp.Reply started =
        a.post(
            "/evals/" + evalId + "/runs",
            json(
                "{'data_source': {'type': 'completions', 'model': 'stories260k',"
                    + " 'input_messages': {'type': 'item_reference', 'item_reference':"
                    + " 'item.input'}, 'sampling_params': {'max_completion_tokens': 4,"
                    + " 'temperature': 0}, 'source': {'type': 'stored_completions', 'metadata':"
                    + " {'set': '"
                    + tag
                    + "'}}}}"));
    assertThat(started.status()).as(started.body().toString()).isEqualTo(200);

    JsonNode run = await(a, evalId, started.body().get("id").asText());

    assertThat(run.get("status").asText()).isEqualTo("completed");
    assertThat(run.at("/result_counts/total").asLong()).isEqualTo(2);
    JsonNode items =
        a.get("/evals/" + evalId + "/runs/" + run.get("id").asText() + "/output_items").body();
    assertThat(items.at("/data/0/sample/input/0/content").asText()).isEqualTo("Once upon a time");
    assertThat(items.at("/data/1/datasource_item/completion_id").asText()).startsWith("chatcmpl-");
    LatheHttp.Reply none =
        a.post(
            "/evals/" + evalId + "/runs",
            json(
                "{'data_source': {'type': 'completions', 'model': 'stories260k',"
                    + " 'input_messages': {'type': 'item_reference', 'item_reference':"
                    + " 'item.input'}, 'source': {'type': 'stored_completions', 'metadata':"
                    + " {'set': 'nothing-has-this'}}}}"));
    assertThat(none.status()).isEqualTo(400);
    assertThat(none.param()).isEqualTo("data_source.source");
  }

  @Test
  void cancelStopsARunBetweenItems() throws Exception {
    String evalId = createEval(a, "cancel");
    ObjectNode body =
        json(
            "{'data_source': {'type': 'completions', 'model': 'stories260k', 'input_messages':"
                + " {'type': 'item_reference', 'item_reference': 'item.q'}, 'sampling_params':"
                + " {'max_completion_tokens': 16}, 'source': {'type': 'file_content', 'content':"
                + " []}}}");
    com.fasterxml.jackson.databind.node.ArrayNode content =
        (com.fasterxml.jackson.databind.node.ArrayNode) body.at("/data_source/source/content");
    for (int i = 0; i < 300; i++) {
      content.addObject().putObject("item").put("q", "story " + i).put("expected", "x");
    }
    String runId = a.post("/evals/" + evalId + "/runs", body).body().get("id").asText();
    String path = "/evals/" + evalId + "/runs/" + runId;
    long deadline = System.nanoTime() + JobWatch.PATIENCE.toNanos();
    while (a.get(path).body().at("/result_counts/total").asLong() < 1) {
      assertThat(System.nanoTime()).isLessThan(deadline);
      Thread.sleep(10);
    }

    LatheHttp.Reply cancel = a.post(path, "{}");

    assertThat(cancel.status()).isEqualTo(200);
    JsonNode run = await(a, evalId, runId);
    assertThat(run.get("status").asText()).isEqualTo("canceled");
    long graded = run.at("/result_counts/total").asLong();
    assertThat(graded).isBetween(1L, 299L);
    assertThat(a.get(path + "/output_items?limit=100").body().get("data").size())
        .isEqualTo((int) Math.min(graded, 100));
  }

  record Bad(String path, String body, int status, String param, String messagePart) {}

  @Test
  void badInputIsRefusedNamingTheField() throws Exception {
    String evalId = createEval(a, "bad input");
    String runs = "/evals/" + evalId + "/runs";
    String okConfig =
        "'data_source_config': {'type': 'custom', 'item_schema': {'type': 'object',"
            + " 'properties': {'q': {'type': 'string'}}, 'required': ['q']}}";
    List<Bad> cases =
        List.of(
            new Bad(
                "/evals",
                "{'testing_criteria': " + CRITERIA + "}",
                400,
                "data_source_config",
                "Missing"),
            new Bad("/evals", "{" + okConfig + "}", 400, "testing_criteria", "Missing"),
            new Bad(
                "/evals",
                "{" + okConfig + ", 'testing_criteria': []}",
                400,
                "testing_criteria",
                "non-empty"),
            new Bad(
                "/evals",
                "{" + okConfig + ", 'testing_criteria': " + CRITERIA + ", 'colour': 1}",
                400,
                "colour",
                "Unrecognized"),
            new Bad(
                "/evals",
                "{'data_source_config': {'type': 'logs'}, 'testing_criteria': " + CRITERIA + "}",
                400,
                "data_source_config.type",
                "logs"),
            new Bad(
                "/evals",
                "{'data_source_config': {'type': 'custom'}, 'testing_criteria': " + CRITERIA + "}",
                400,
                "data_source_config.item_schema",
                "item_schema"),
            new Bad(
                "/evals",
                "{'data_source_config': {'type': 'custom', 'item_schema': {}, 'extra': 1}, 'testing_criteria': "
                    + CRITERIA
                    + "}",
                400,
                "data_source_config.extra",
                "extra"),
            new Bad(
                "/evals",
                "{"
                    + okConfig
                    + ", 'testing_criteria': ["
                    + CRITERIA.substring(1, CRITERIA.indexOf("},") + 1)
                    + ", "
                    + CRITERIA.substring(1, CRITERIA.indexOf("},") + 1)
                    + "]}",
                400,
                "testing_criteria[1].name",
                "already named"),
            new Bad(
                "/evals",
                "{"
                    + okConfig
                    + ", 'testing_criteria': [{'type': 'score_model', 'name': 's',"
                    + " 'model': 'no-such-judge', 'pass_threshold': 0.5, 'input': [{'role': 'user', 'content': 'x'}]}]}",
                404,
                "testing_criteria[0].model",
                "no-such-judge"),
            new Bad(
                "/evals",
                "{"
                    + okConfig
                    + ", 'testing_criteria': [{'type': 'python', 'name': 'p',"
                    + " 'source': 'x'}]}",
                400,
                "testing_criteria[0].type",
                "python"),
            new Bad(runs, "{}", 400, "data_source", "Missing"),
            new Bad(
                runs,
                "{'data_source': {'type': 'responses'}}",
                400,
                "data_source.type",
                "responses"),
            new Bad(
                runs,
                "{'data_source': {'type': 'jsonl', 'source': {'type': 'file_content', 'content':"
                    + " [{'item': {'q': 'a', 'expected': 'x'}, 'sample': {}}, {'item': {'q': 5,"
                    + " 'expected': 'x'}, 'sample': {}}]}}}",
                400,
                "data_source.source.content[1].item",
                "item_schema"),
            new Bad(
                runs,
                "{'data_source': {'type': 'jsonl', 'source': {'type': 'file_content', 'content':"
                    + " [{'item': {'q': 'a', 'expected': 'x'}}]}}}",
                400,
                "data_source.source",
                "sample"),
            new Bad(
                runs,
                "{'data_source': {'type': 'jsonl', 'source': {'type': 'file_id', 'id': 'file-nope'}}}",
                404,
                "id",
                "file-nope"),
            new Bad(
                runs,
                "{'data_source': {'type': 'completions', 'model': 'no-such-model', 'input_messages':"
                    + " {'type': 'item_reference', 'item_reference': 'item.q'}, 'source': {'type':"
                    + " 'file_content', 'content': [{'item': {'q': 'a', 'expected': 'x'}}]}}}",
                404,
                "data_source.model",
                "no-such-model"),
            new Bad(
                runs,
                "{'data_source': {'type': 'completions', 'model': 'stories260k', 'input_messages':"
                    + " {'type': 'item_reference', 'item_reference': 'item.q'}, 'sampling_params':"
                    + " {'reasoning_effort': 'low'}, 'source': {'type': 'file_content', 'content':"
                    + " [{'item': {'q': 'a', 'expected': 'x'}}]}}}",
                400,
                "data_source.sampling_params.reasoning_effort",
                "reasoning_effort"),
            new Bad(
                runs,
                "{'data_source': {'type': 'completions', 'model': 'stories260k', 'input_messages':"
                    + " {'type': 'template', 'template': [{'role': 'robot', 'content': 'x'}]},"
                    + " 'source': {'type': 'file_content', 'content': [{'item': {'q': 'a',"
                    + " 'expected': 'x'}}]}}}",
                400,
                "data_source.input_messages.template[0].role",
                "role"),
            new Bad(
                runs,
                "{'data_source': {'type': 'completions', 'model': 'stories260k', 'input_messages':"
                    + " {'type': 'template', 'template': [{'role': 'user', 'content': 'x'}]},"
                    + " 'sampling_params': {'temperature': 9}, 'source': {'type': 'file_content',"
                    + " 'content': [{'item': {'q': 'a', 'expected': 'x'}}]}}}",
                400,
                "data_source.sampling_params.temperature",
                "temperature"),
            new Bad(runs + "?status=done", null, 400, "status", "status"),
            new Bad("/evals/eval_nope", null, 404, "id", "eval_nope"),
            new Bad(runs + "/evalrun_nope", null, 404, "id", "evalrun_nope"),
            new Bad("/evals?after=eval_nope", null, 400, "after", "eval_nope"));
    for (Bad c : cases) {
      LatheHttp.Reply r =
          c.body() == null ? a.get(c.path()) : a.post(c.path(), c.body().replace('\'', '"'));
      assertThat(r.status()).as(c + " -> " + r.body()).isEqualTo(c.status());
      assertThat(r.param()).as(c + " -> " + r.body()).isEqualTo(c.param());
      assertThat(r.message()).as(c.toString()).contains(c.messagePart());
    }
  }
}
