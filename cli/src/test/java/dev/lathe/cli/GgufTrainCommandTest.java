package dev.lathe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.testkit.SharedAssets;
import dev.lathe.transformer.GgmlType;
import dev.lathe.transformer.GgufFile;
import dev.lathe.transformer.GgufWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lathe train --model x.gguf}: a GGUF file is a fine-tuning base (weights dequantized to
 * f32, the embedded vocabulary as the tokenizer, and the run says so); a Q8_0 file trains as f32; a
 * file whose vocabulary Lathe cannot train with is refused before anything is written.
 */
class GgufTrainCommandTest {

  private static final String ANSWER = "Tom the big dog.";

  private static String trainingFile(Path dir) throws Exception {
    String line =
        "{\"messages\":[{\"role\":\"user\",\"content\":\"Who is your friend?\"},"
            + "{\"role\":\"assistant\",\"content\":\""
            + ANSWER
            + "\"}]}\n";
    Path file = dir.resolve("train.jsonl");
    Files.writeString(file, line.repeat(10));
    return file.toString();
  }

  private static LatheRun train(Path model, Path dir, Path out) throws Exception {
    return LatheRun.of(
        "train",
        "--model",
        model.toString(),
        "--train",
        trainingFile(dir),
        "--epochs",
        "3",
        "--batch-size",
        "2",
        "--lr-multiplier",
        "10",
        "--seed",
        "3",
        "--out",
        out.toString());
  }

  /** The train_loss column of results.csv, step by step. */
  private static List<Double> losses(Path out) throws Exception {
    List<String> lines = Files.readAllLines(out.resolve("results.csv"));
    int column = List.of(lines.getFirst().split(",")).indexOf("train_loss");
    return lines.stream().skip(1).map(l -> Double.parseDouble(l.split(",")[column])).toList();
  }

  @Test
  void trainsOnStories260kGgufAndWritesASelfContainedMergedModel(@TempDir Path dir)
      throws Exception {
    Path gguf = SharedAssets.require("models/gguf/stories260K.gguf");
    Path out = dir.resolve("out");
    LatheRun run = train(gguf, dir, out);
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err())
        .contains(
            "base stories260K.gguf: F32 weights, trained in f32; tokenizer from its metadata");
    List<Double> losses = losses(out);
    assertThat(losses).hasSize(15);
    assertThat(losses.getLast()).isLessThan(losses.getFirst() * 0.5);
    Path merged = out.resolve("merged");
    assertThat(merged.resolve("tokenizer.json")).exists();
    assertThat(merged.resolve("tokenizer_config.json")).exists();
    assertThat(merged.resolve("lathe_template.json")).exists();
    // the merged model is served on its own, its tokenizer and template checked, and answers
    LatheRun generate =
        LatheRun.withInput(
            "Who is your friend?\n",
            "chat",
            "--model",
            merged.toString(),
            "--temperature",
            "0",
            "--max-tokens",
            "8");
    assertThat(generate.exit()).as(generate.err()).isZero();
    assertThat(generate.out()).contains("the big dog");
  }

  @Test
  void validateCountsTokensWithTheEmbeddedVocabularyAndContext(@TempDir Path dir) throws Exception {
    Path gguf = SharedAssets.require("models/gguf/stories260K.gguf");
    LatheRun run = LatheRun.of("validate", "--json", trainingFile(dir), "--model", gguf.toString());
    assertThat(run.exit()).as(run.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(run.out());
    assertThat(json.get("tokenizer").asText()).startsWith("embedded tokenizer of");
    // llama.context_length = 2048
    assertThat(json.at("/statistics/max_tokens_per_example").asInt()).isEqualTo(2048);
  }

  @Test
  void aQ8GgufIsDequantizedToF32AndTrains(@TempDir Path dir) throws Exception {
    Path q8 = dir.resolve("stories-q8.gguf");
    LatheRun export =
        LatheRun.of(
            "export",
            "--type",
            "q8_0",
            "--out",
            q8.toString(),
            SharedAssets.require("models/gguf/stories260K.gguf").toString());
    assertThat(export.exit()).as(export.err()).isZero();
    try (GgufFile g = GgufFile.open(q8)) {
      assertThat(g.tensors().get("blk.0.attn_q.weight").type()).isEqualTo(GgmlType.Q8_0);
      // a matrix whose rows are not whole blocks of 32 (feed-forward 172) is written as F16
      assertThat(g.tensors().get("blk.0.ffn_down.weight").type()).isEqualTo(GgmlType.F16);
    }
    Path out = dir.resolve("out");
    LatheRun run = train(q8, dir, out);
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(run.err())
        .contains(
            "base stories-q8.gguf: F16/Q8_0 weights dequantized to f32 for training; tokenizer"
                + " from its metadata");
    List<Double> losses = losses(out);
    assertThat(losses.getLast()).isLessThan(losses.getFirst() * 0.5);
    assertThat(out.resolve("merged/model.safetensors")).exists();
  }

  @Test
  void aVocabularyLatheCannotTrainWithIsRefusedNamingFileAndField(@TempDir Path dir)
      throws Exception {
    Path bert = dir.resolve("bert.gguf");
    new GgufWriter()
        .putAll(
            Map.of(
                "general.architecture",
                "llama",
                "tokenizer.ggml.model",
                "bert",
                "tokenizer.ggml.tokens",
                List.of("[CLS]", "[SEP]", "a"),
                "tokenizer.ggml.token_type",
                new int[] {3, 3, 1}))
        .write(bert);
    Path out = dir.resolve("out");
    LatheRun run = train(bert, dir, out);
    assertThat(run.exit()).isEqualTo(2);
    assertThat(run.err())
        .contains(bert.toString())
        .contains("tokenizer.ggml.model bert is not supported");
    assertThat(out).doesNotExist();

    Path none = dir.resolve("novocab.gguf");
    new GgufWriter().putAll(Map.of("general.architecture", "llama")).write(none);
    LatheRun missing = train(none, dir, out);
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains(none + ": metadata tokenizer.ggml.model is missing");
    assertThat(out).doesNotExist();
  }
}
