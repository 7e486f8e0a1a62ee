package dev.lathe.server.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.finetune.FineTuneJob;
import dev.lathe.finetune.GgufExport;
import dev.lathe.finetune.MetricsCsv;
import dev.lathe.finetune.RunLayout;
import dev.lathe.jobqueue.Job;
import dev.lathe.jobqueue.JobEvent;
import dev.lathe.jobqueue.JobStore;
import dev.lathe.jobqueue.Page;
import dev.lathe.server.store.FileContents;
import dev.lathe.server.store.FileStore;
import dev.lathe.server.store.Ids;
import dev.lathe.server.store.StoredFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A job's result file: a {@code fine-tune-results} File in the job's project, named {@code
 * step_metrics.csv}, with OpenAI's columns {@code step, train_loss, train_accuracy, valid_loss,
 * valid_mean_token_accuracy} (5 decimals, empty where validation did not run), and for a DPO job
 * the preference metrics of {@code MetricsCsv} ({@code rewards/chosen}, …). It is built from the
 * job's {@code metrics} events, so the steps of every attempt of a resumed job are in it, once
 * each. The content is plain CSV text (two user reports say OpenAI's is base64; that is unconfirmed
 * and would break every CSV reader, so Lathe does not imitate it).
 *
 * <p>A finished job's lineage manifest ({@code lineage.json}, finetune's {@code Lineage}) is a
 * second {@code fine-tune-results} File, named on the job object by the extension field {@link
 * #LINEAGE} rather than added to {@code result_files}: OpenAI's jobs have one result file, the
 * metrics CSV, and clients read {@code result_files[0]} as that.
 */
public final class ResultFiles {
  static final String HEADER =
      "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy";
  private static final int PAGE = 1000;

  /**
   * A job's request for a GGUF export of its fine-tuned model.
   *
   * @param type the GGUF type name ({@code f16}, {@code q8_0}, {@code q4_0}, {@code bf16}, {@code
   *     f32})
   * @param baseDir the base model's directory, which a LoRA adapter is merged over
   */
  public record GgufRequest(String type, Path baseDir) {}

  private final JobStore jobs;
  private final FileStore files;
  private final FileContents contents;
  private final ObjectMapper json;
  private final InstantSource clock;
  private final Ids ids;

  public ResultFiles(
      JobStore jobs,
      FileStore files,
      FileContents contents,
      ObjectMapper json,
      InstantSource clock,
      Ids ids) {
    this.jobs = jobs;
    this.files = files;
    this.contents = contents;
    this.json = json;
    this.clock = clock;
    this.ids = ids;
  }

  /** Writes the result file of {@code job}; returns its id. */
  String write(Job job) throws IOException {
    return store(job, csv(job.id()).getBytes(StandardCharsets.UTF_8), "step_metrics.csv");
  }

  /** Stores the run's lineage manifest {@code lineageFile} as a File of {@code job}'s; its id. */
  String writeLineage(Job job, Path lineageFile) throws IOException {
    return store(job, Files.readAllBytes(lineageFile), "lineage.json");
  }

  /**
   * Exports the fine-tuned model of {@code result} (its merged weights, else its adapter merged
   * over the base) as a GGUF file of {@code request}'s type, stores it as a File of {@code job}'s
   * (streamed, never held in memory) and returns its id. The local export is removed afterwards.
   */
  String writeGguf(Job job, FineTuneJob.Result result, RunLayout run, GgufRequest request)
      throws IOException {
    Path out = run.root().resolve("export").resolve(job.id() + "-" + request.type() + ".gguf");
    boolean merged = result.mergedDir() != null; // else an adapter, merged over the base first
    GgufExport.Result exported =
        GgufExport.export(
            merged ? result.mergedDir() : result.adapterDir(),
            out,
            GgufExport.type(request.type()),
            merged ? Optional.empty() : Optional.of(request.baseDir()));
    try (InputStream in = Files.newInputStream(exported.gguf())) {
      return store(job, in, out.getFileName().toString());
    } finally {
      Files.deleteIfExists(exported.gguf());
      Files.deleteIfExists(exported.modelfile());
    }
  }

  private String store(Job job, byte[] content, String filename) throws IOException {
    return store(job, new ByteArrayInputStream(content), filename);
  }

  private String store(Job job, InputStream content, String filename) throws IOException {
    String id = ids.next("file-", 24);
    FileContents.Written written = contents.write(id, content, Long.MAX_VALUE);
    files.insert(
        new StoredFile(
            id,
            job.project(),
            written.bytes(),
            clock.instant(),
            filename,
            "fine-tune-results",
            "processed",
            written.sha256(),
            written.storageName(),
            null));
    return id;
  }

  /** The CSV text of {@code jobId}'s metrics events, one row per step in step order. */
  String csv(String jobId) throws IOException {
    TreeMap<Integer, JsonNode> steps = new TreeMap<>();
    String after = null;
    while (true) {
      Page<JobEvent> page = jobs.listEvents(jobId, after, PAGE);
      for (JobEvent e : page.data()) {
        if ("metrics".equals(e.type()) && e.data() != null) {
          JsonNode data = json.readTree(e.data());
          steps.putIfAbsent(data.path("step").asInt(), data);
        }
      }
      if (!page.hasMore() || page.data().isEmpty()) {
        break;
      }
      after = page.data().getLast().id();
    }
    boolean preference =
        steps.values().stream().anyMatch(d -> d.has(MetricsCsv.PREFERENCE_KEYS.getFirst()));
    StringBuilder out =
        new StringBuilder(HEADER)
            .append(preference ? MetricsCsv.PREFERENCE_COLUMNS : "")
            .append('\n');
    for (var row : steps.entrySet()) {
      JsonNode d = row.getValue();
      out.append(row.getKey())
          .append(',')
          .append(number(d.get("train_loss")))
          .append(',')
          .append(number(d.get("train_mean_token_accuracy")))
          .append(',')
          .append(number(d.get("valid_loss")))
          .append(',')
          .append(number(d.get("valid_mean_token_accuracy")));
      if (preference) {
        for (String key : MetricsCsv.PREFERENCE_KEYS) {
          out.append(',').append(number(d.get(key)));
        }
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static String number(JsonNode v) {
    return v == null || !v.isNumber() ? "" : String.format(Locale.ROOT, "%.5f", v.asDouble());
  }
}
