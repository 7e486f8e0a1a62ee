package dev.lathe.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The chat template, special tokens and tokenizer a fine-tune was trained with, stored in each of
 * its servable directories as {@value #FILE_NAME} (the one record of them: a run's adapter, merged
 * model and checkpoints each carry it). Serving a fine-tune recomputes the same fingerprint from
 * the tokenizer that would render its prompts (its base's, or a merged model's own copy) and
 * refuses it when they differ ({@link #requireSame}, {@link TemplateMismatchException}): a base
 * whose template or tokenizer changed under a fine-tune would render prompts the fine-tune never
 * saw, so its replies would be subtly wrong. When they agree, the template that renders is this
 * one, source and special tokens alike.
 *
 * <p>Hashes are lowercase hex SHA-256:
 *
 * <ul>
 *   <li>{@code template_sha256}: over the UTF-8 of the template's Jinja source (the tokenizer's, or
 *       Lathe's plain one, {@link ChatTemplate#PLAIN_SOURCE}), a NUL byte, and the special tokens
 *       ({@link HfTokenizer#specialTokensMap()}) as compact JSON with sorted keys;
 *   <li>{@code tokenizer_sha256}: over the bytes of the {@code tokenizer.json} (or {@code
 *       tokenizer.json.gz}) file; for a tokenizer built in memory (a GGUF file's vocabulary, {@link
 *       GgufTokenizerJson}), over the UTF-8 of its {@code tokenizer.json} text, which is what a
 *       merged model of it writes as its file.
 * </ul>
 *
 * @param templateSource the Jinja source the fine-tune was rendered with
 * @param specialTokens the special tokens the template saw, keys sorted
 * @param templateSha256 the hash of both
 * @param tokenizerSha256 the hash of the tokenizer file
 */
public record TrainedTemplate(
    String templateSource,
    Map<String, Object> specialTokens,
    String templateSha256,
    String tokenizerSha256) {

  /** The file name inside a fine-tune's directory. */
  public static final String FILE_NAME = "lathe_template.json";

  private static final ObjectMapper JSON =
      new ObjectMapper()
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(SerializationFeature.INDENT_OUTPUT);

  /** Requires every part; sorts the special tokens. */
  public TrainedTemplate {
    Objects.requireNonNull(templateSource, "templateSource");
    specialTokens = new TreeMap<>(Objects.requireNonNull(specialTokens, "specialTokens"));
    Objects.requireNonNull(templateSha256, "templateSha256");
    Objects.requireNonNull(tokenizerSha256, "tokenizerSha256");
  }

  /** The fingerprint of {@code template} rendered with {@code tokenizer}, hashed now. */
  public static TrainedTemplate of(HfTokenizer tokenizer, ChatTemplate template) {
    Map<String, Object> tokens = tokenizer.specialTokensMap();
    try {
      return new TrainedTemplate(
          template.source(),
          tokens,
          templateSha256(template.source(), tokens),
          tokenizer.file() == null
              ? HexFormat.of()
                  .formatHex(
                      sha256().digest(tokenizer.inMemoryJson().getBytes(StandardCharsets.UTF_8)))
              : fileSha256(tokenizer.file()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot hash " + tokenizer.file() + ": " + e.getMessage(), e);
    }
  }

  /** The hash of a template's source and special tokens, as the class comment says. */
  public static String templateSha256(String source, Map<String, Object> specialTokens) {
    MessageDigest d = sha256();
    d.update(source.getBytes(StandardCharsets.UTF_8));
    d.update((byte) 0);
    d.update(compactJson(specialTokens).getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(d.digest());
  }

  /** The lowercase hex SHA-256 of the bytes of {@code file}. */
  public static String fileSha256(Path file) throws IOException {
    MessageDigest d = sha256();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        d.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  /** Writes this into directory {@code dir} as {@value #FILE_NAME} (whole, or not at all). */
  public void write(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    Path partial = dir.resolve(FILE_NAME + ".partial");
    Files.write(partial, JSON.writeValueAsBytes(this));
    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * The fingerprint stored in directory {@code dir}, or empty when it has none (a fine-tune from
   * before Lathe stored them).
   *
   * @throws IOException when the file is there but unreadable (the message names it)
   */
  public static Optional<TrainedTemplate> read(Path dir) throws IOException {
    Path file = dir.resolve(FILE_NAME);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      TrainedTemplate t = JSON.readValue(file.toFile(), TrainedTemplate.class);
      if (t.templateSource() == null || t.templateSha256() == null) {
        throw new IOException("template_source and template_sha256 are required");
      }
      return Optional.of(t);
    } catch (IOException | RuntimeException e) {
      throw new IOException(
          file
              + ": not a readable record of the template the fine-tune was trained with ("
              + e.getMessage()
              + "); restore it from the run directory, or re-train",
          e);
    }
  }

  /**
   * Requires {@code current} (the fingerprint of the tokenizer that would serve) to equal this one,
   * the fine-tune {@code model}'s.
   *
   * @throws TemplateMismatchException naming the first part that differs: the template's source,
   *     the special tokens, or the tokenizer file
   */
  public void requireSame(TrainedTemplate current, String model) throws TemplateMismatchException {
    if (!templateSource.equals(current.templateSource)) {
      throw new TemplateMismatchException(
          model, TemplateMismatchException.Part.TEMPLATE, templateSha256, current.templateSha256);
    }
    if (!templateSha256.equals(current.templateSha256)) {
      throw new TemplateMismatchException(
          model,
          TemplateMismatchException.Part.SPECIAL_TOKENS,
          templateSha256,
          current.templateSha256);
    }
    if (!tokenizerSha256.equals(current.tokenizerSha256)) {
      throw new TemplateMismatchException(
          model,
          TemplateMismatchException.Part.TOKENIZER,
          tokenizerSha256,
          current.tokenizerSha256);
    }
  }

  private static String compactJson(Map<String, Object> tokens) {
    try {
      return new ObjectMapper().writeValueAsString(new TreeMap<>(tokens));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the special tokens as JSON", e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JDK has no SHA-256", e);
    }
  }
}
