package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.testkit.SharedAssets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lathe eval} in-process: the pass rates of a file's own samples, a model answering through
 * a template (side by side with the samples' run), {@code --json}, and inputs that are refused
 * naming the file, line or criterion field.
 */
class EvalCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text.replace('\'', '"'));
  }

  private Path criteria() throws Exception {
    return write(
        "criteria.json",
        "[{'type': 'string_check', 'name': 'exact', 'input': '{{sample.output_text}}',"
            + " 'reference': '{{item.answer}}', 'operation': 'eq'},"
            + " {'type': 'json_valid', 'name': 'json'}]");
  }

  @Test
  void gradesTheSamplesOfTheFile() throws Exception {
    Path data =
        write(
            "data.jsonl",
            "{'item': {'answer': '1'}, 'sample': {'output_text': '1'}}\n"
                + "{'item': {'answer': '2'}, 'sample': {'output_text': 'two'}}\n"
                + "{'item': {'answer': '3'}, 'sample': {'output_text': '3'}}\n");

    LatheRun run =
        LatheRun.of("eval", "--criteria", criteria().toString(), "--data", data.toString());

    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.out()).containsPattern("exact\\s+2/3\\s+66.7%");
    assertThat(run.out()).containsPattern("json\\s+2/3\\s+66.7%");
    assertThat(run.out()).containsPattern("all criteria\\s+2/3\\s+66.7%");
    assertThat(run.out()).containsPattern("status\\s+completed");

    LatheRun json =
        LatheRun.of(
            "eval", "--criteria", criteria().toString(), "--data", data.toString(), "--json");
    JsonNode doc = JSON.readTree(json.out());
    assertThat(doc.get("items").asInt()).isEqualTo(3);
    assertThat(doc.at("/runs/samples/result_counts/passed").asLong()).isEqualTo(2);
  }

  @Test
  void aModelAnswersEachItemThroughTheTemplate() throws Exception {
    Path stories = SharedAssets.require("models/llama2c-stories260K/stories260K.bin");
    Path data =
        write(
            "data.jsonl",
            "{'item': {'input': 'Once upon a time', 'answer': 'x'}}\n"
                + "{'item': {'input': 'The cat', 'answer': 'y'}}\n");

    LatheRun run =
        LatheRun.of(
            "eval",
            "--criteria",
            criteria().toString(),
            "--data",
            data.toString(),
            "--model",
            stories.toString(),
            "--max-tokens",
            "6",
            "--json");

    assertThat(run.exit()).as(run.err()).isZero();
    JsonNode doc = JSON.readTree(run.out());
    JsonNode result = doc.get("runs").get(stories.toString());
    assertThat(result.get("status").asText()).isEqualTo("completed");
    assertThat(result.get("model").asText()).isEqualTo("stories260K.bin");
    assertThat(result.at("/result_counts/total").asLong()).isEqualTo(2);
    assertThat(result.at("/result_counts/errored").asLong()).isZero();
    assertThat(result.at("/per_model_usage/0/invocation_count").asLong()).isEqualTo(2);
  }

  @Test
  void badInputNamesTheFileLineOrField() throws Exception {
    Path notJson = write("bad.jsonl", "{'item': {'answer': '1'}, 'sample': {}}\n{oops\n");
    LatheRun run =
        LatheRun.of("eval", "--criteria", criteria().toString(), "--data", notJson.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains(notJson + ", line 2: not valid JSON");

    Path schema = write("schema.json", "{'type': 'object', 'required': ['answer']}");
    Path missing =
        write(
            "missing.jsonl",
            "{'item': {'answer': '1'}, 'sample': {}}\n{'item': {'nothing': 1}, 'sample': {}}\n");
    run =
        LatheRun.of(
            "eval",
            "--criteria",
            criteria().toString(),
            "--data",
            missing.toString(),
            "--item-schema",
            schema.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains(missing + ", line 2: ").contains("item_schema");

    Path badCriteria =
        write("criteria-bad.json", "[{'type': 'string_check', 'name': 'x', 'input': 'a'}]");
    run = LatheRun.of("eval", "--criteria", badCriteria.toString(), "--data", missing.toString());
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err()).contains(badCriteria + ", [0].");
  }
}
