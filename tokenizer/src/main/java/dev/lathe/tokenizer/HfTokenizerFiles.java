package dev.lathe.tokenizer;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.zip.GZIPInputStream;

/**
 * The files of a Hugging Face tokenizer as read from disk: {@code tokenizer.json} (text and parsed
 * tree) and, when present, {@code tokenizer_config.json}, {@code special_tokens_map.json} and
 * {@code generation_config.json}. Each may also be stored gzip-compressed as {@code <name>.gz}.
 * Absent optional files are {@link MissingNode}s.
 *
 * @param source where the tokenizer came from, for error messages
 * @param tokenizerFile the {@code tokenizer.json[.gz]} file, or null for one built in memory
 * @param tokenizerJson the text of {@code tokenizer.json}
 * @param tokenizer the parsed {@code tokenizer.json}
 * @param config {@code tokenizer_config.json}
 * @param specialTokensMap {@code special_tokens_map.json}
 * @param generationConfig {@code generation_config.json}
 * @param chatTemplateFile the text of {@code chat_template.jinja}, or null
 */
record HfTokenizerFiles(
    String source,
    Path tokenizerFile,
    String tokenizerJson,
    JsonNode tokenizer,
    JsonNode config,
    JsonNode specialTokensMap,
    JsonNode generationConfig,
    String chatTemplateFile) {

  static final ObjectMapper JSON = new ObjectMapper();

  HfTokenizerFiles {
    Objects.requireNonNull(source);
    Objects.requireNonNull(tokenizerJson);
    Objects.requireNonNull(tokenizer);
    Objects.requireNonNull(config);
    Objects.requireNonNull(specialTokensMap);
    Objects.requireNonNull(generationConfig);
  }

  /**
   * Reads a model directory holding {@code tokenizer.json[.gz]}, or a single {@code
   * tokenizer.json[.gz]} file (its sibling config files are read too).
   */
  static HfTokenizerFiles read(Path path) {
    Path dir;
    Path tokenizerFile;
    if (Files.isDirectory(path)) {
      dir = path;
      tokenizerFile = existing(dir, "tokenizer.json");
      if (tokenizerFile == null) {
        throw new IllegalArgumentException(
            "no tokenizer.json (or tokenizer.json.gz) in "
                + path
                + ": point at a Hugging Face model directory or at the tokenizer.json file");
      }
    } else if (Files.isRegularFile(path)) {
      tokenizerFile = path;
      dir = path.toAbsolutePath().getParent();
    } else {
      throw new IllegalArgumentException("tokenizer path " + path + " does not exist");
    }
    String text = readText(tokenizerFile);
    JsonNode tree = parse(text, tokenizerFile);
    if (!tree.isObject() || !tree.has("model")) {
      throw new IllegalArgumentException(
          tokenizerFile + " is not a Hugging Face tokenizer.json (no \"model\" object)");
    }
    Path templateFile = existing(dir, "chat_template.jinja");
    return new HfTokenizerFiles(
        tokenizerFile.toString(),
        tokenizerFile,
        text,
        tree,
        optionalJson(dir, "tokenizer_config.json"),
        optionalJson(dir, "special_tokens_map.json"),
        optionalJson(dir, "generation_config.json"),
        templateFile == null ? null : readText(templateFile));
  }

  /**
   * These files without the tokenizer text and tree, which are large (tens of MB for a 128k
   * vocabulary) and needed again only rarely: {@link #readTokenizerWithoutSpecialTokens()} reads
   * the file anew. A tokenizer built in memory keeps its text.
   */
  HfTokenizerFiles withoutTokenizerContent() {
    if (tokenizerFile == null) { // nothing to read it back from
      return this;
    }
    return new HfTokenizerFiles(
        source,
        tokenizerFile,
        "",
        MissingNode.getInstance(),
        config,
        specialTokensMap,
        generationConfig,
        chatTemplateFile);
  }

  /**
   * The text of {@code tokenizer.json}, read again from disk, without the special entries of {@code
   * added_tokens} (so that their strings are ordinary text). Streamed: the rest of the file is
   * copied token by token, never held as a tree.
   */
  String readTokenizerWithoutSpecialTokens() {
    String text = tokenizerFile == null ? tokenizerJson : readText(tokenizerFile);
    StringWriter out = new StringWriter(text.length());
    try (JsonParser in = JSON.createParser(text);
        JsonGenerator gen = JSON.createGenerator(out)) {
      if (in.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException(source + " is not a JSON object");
      }
      gen.writeStartObject();
      while (in.nextToken() == JsonToken.FIELD_NAME) {
        String field = in.currentName();
        in.nextToken();
        gen.writeFieldName(field);
        if (field.equals("added_tokens")) {
          gen.writeStartArray();
          for (JsonNode added : (JsonNode) JSON.readTree(in)) {
            if (!added.path("special").asBoolean()) {
              JSON.writeTree(gen, added);
            }
          }
          gen.writeEndArray();
        } else {
          gen.copyCurrentStructure(in);
        }
      }
      gen.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rewrite " + source + ": " + e.getMessage(), e);
    }
    return out.toString();
  }

  /** {@code dir/name}, else {@code dir/name.gz}, else null. */
  static Path existing(Path dir, String name) {
    if (dir == null) {
      return null;
    }
    Path plain = dir.resolve(name);
    if (Files.isRegularFile(plain)) {
      return plain;
    }
    Path gz = dir.resolve(name + ".gz");
    return Files.isRegularFile(gz) ? gz : null;
  }

  static JsonNode optionalJson(Path dir, String name) {
    Path file = existing(dir, name);
    return file == null ? MissingNode.getInstance() : parse(readText(file), file);
  }

  static String readText(Path file) {
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  static JsonNode parse(String text, Path file) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage(), e);
    }
  }
}
