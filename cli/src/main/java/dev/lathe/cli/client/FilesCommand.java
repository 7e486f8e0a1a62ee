package dev.lathe.cli.client;

import com.openai.client.OpenAIClient;
import com.openai.core.MultipartField;
import com.openai.core.http.HttpResponse;
import com.openai.models.files.FileCreateParams;
import com.openai.models.files.FileListParams;
import com.openai.models.files.FileObject;
import com.openai.models.files.FilePurpose;
import dev.lathe.dataset.DatasetValidator;
import dev.lathe.dataset.Issue;
import dev.lathe.dataset.ValidationOptions;
import dev.lathe.dataset.ValidationReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lathe files}: upload, list, get, content and delete Files on an OpenAI-compatible API. */
@Command(
    name = "files",
    mixinStandardHelpOptions = true,
    description = "Files on an OpenAI-compatible API (Lathe, OpenAI, or another).",
    footer = ExitCodes.FOOTER,
    subcommands = {
      FilesCommand.Upload.class,
      FilesCommand.ListFiles.class,
      FilesCommand.Get.class,
      FilesCommand.Content.class,
      FilesCommand.Delete.class
    })
public final class FilesCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The one-line human form of a file. */
  static String line(FileObject f) {
    return String.join(
        "  ",
        f.id(),
        f.filename(),
        f.bytes() + " bytes",
        f.purpose().asString(),
        f._status().asString().orElse("-"),
        Times.instant(f.createdAt()));
  }

  @Command(
      name = "upload",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = {
        "Upload a file and print its id. A fine-tune file is checked by the local validator"
            + " first (as `lathe validate`); with errors nothing is uploaded (exit 1).",
        "Files from 1 MB on show a progress bar on stderr."
      })
  static final class Upload extends ClientCommand {
    @Parameters(paramLabel = "FILE", description = "The file (JSONL for fine-tune).")
    Path file;

    @Option(
        names = "--purpose",
        defaultValue = "fine-tune",
        description = "fine-tune (default), batch, assistants, user_data, evals, vision.")
    String purpose;

    @Option(names = "--no-validate", description = "Upload without the local check.")
    boolean noValidate;

    @Override
    protected int run(OpenAIClient client) throws IOException {
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new UsageException("No readable file at '" + file + "': check the path.");
      }
      if (purpose.equals("fine-tune") && !noValidate && !validates(file, err())) {
        return ExitCodes.FAILED;
      }
      FileObject created = upload(client, file, FilePurpose.of(purpose), err(), terminal());
      if (json) {
        json(created);
      } else {
        out().println(created.id());
        err().println("lathe files upload: " + line(created));
      }
      return ExitCodes.OK;
    }
  }

  /**
   * Checks a fine-tune file with the dataset validator; prints its errors (with line, path and fix)
   * and returns false when it has any.
   */
  public static boolean validates(Path file, PrintWriter err) throws IOException {
    ValidationReport report =
        new DatasetValidator(ValidationOptions.defaults().withMaxIssuesPerCode(5)).validate(file);
    if (!report.hasErrors()) {
      if (report.warnings() > 0) {
        err.println(
            "lathe files upload: "
                + file
                + ": "
                + report.warnings()
                + " warnings (see `lathe validate "
                + file
                + "`)");
      }
      return true;
    }
    err.println(
        "lathe files upload: "
            + file
            + " has "
            + report.errors()
            + " errors; nothing was uploaded. Fix them (details: `lathe validate "
            + file
            + "`) or pass --no-validate.");
    for (Issue issue : report.issues()) {
      if (issue.severity().name().equals("ERROR")) {
        err.println(
            "  "
                + file.getFileName()
                + ":"
                + issue.line()
                + (issue.path() == null ? "" : " " + issue.path())
                + " ["
                + issue.code().name().toLowerCase(java.util.Locale.ROOT)
                + "] "
                + issue.message());
      }
    }
    err.flush();
    return false;
  }

  /**
   * Uploads {@code file} with {@code purpose}, with a progress bar on {@code err} for files from
   * {@link UploadProgress#LARGE} bytes on.
   */
  public static FileObject upload(
      OpenAIClient client, Path file, FilePurpose purpose, PrintWriter err, boolean terminal)
      throws IOException {
    long size = Files.size(file);
    String name = file.getFileName().toString();
    try (InputStream raw = Files.newInputStream(file)) {
      InputStream in =
          size >= UploadProgress.LARGE ? new UploadProgress(raw, name, size, err, terminal) : raw;
      return client
          .files()
          .create(
              FileCreateParams.builder()
                  .file(MultipartField.<InputStream>builder().value(in).filename(name).build())
                  .purpose(purpose)
                  .build());
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = "List files, newest first.")
  static final class ListFiles extends ClientCommand {
    @Option(names = "--purpose", description = "Only files of this purpose.")
    String purpose;

    @Option(names = "--limit", defaultValue = "100", description = "At most this many (100).")
    long limit;

    @Override
    protected int run(OpenAIClient client) {
      FileListParams.Builder params = FileListParams.builder().limit(Math.min(limit, 10_000));
      if (purpose != null) {
        params.purpose(purpose);
      }
      client.files().list(params.build()).autoPager().stream()
          .limit(limit)
          .forEach(f -> print(f, FilesCommand::line));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = "Show one file.")
  static final class Get extends ClientCommand {
    @Parameters(paramLabel = "FILE_ID")
    String id;

    @Override
    protected int run(OpenAIClient client) {
      print(
          client.files().retrieve(id),
          f -> line(f) + f.statusDetails().map(d -> "\n  status details: " + d).orElse(""));
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "content",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = "Write a file's content to stdout, or to --output.")
  static final class Content extends ClientCommand {
    @Parameters(paramLabel = "FILE_ID")
    String id;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "PATH",
        description = "Write here instead.")
    Path output;

    @Override
    protected int run(OpenAIClient client) throws IOException {
      try (HttpResponse response = client.files().content(id);
          InputStream body = response.body()) {
        if (output != null) {
          Files.copy(body, output, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
          err().println("lathe files content: " + id + " -> " + output);
        } else {
          String text = new String(body.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
          out().print(text);
          out().flush();
        }
      }
      return ExitCodes.OK;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      footer = ExitCodes.FOOTER,
      description = "Delete a file.")
  static final class Delete extends ClientCommand {
    @Parameters(paramLabel = "FILE_ID")
    String id;

    @Override
    protected int run(OpenAIClient client) {
      var deleted = client.files().delete(id);
      print(deleted, d -> (d.deleted() ? "deleted " : "not deleted ") + d.id());
      return deleted.deleted() ? ExitCodes.OK : ExitCodes.FAILED;
    }
  }
}
