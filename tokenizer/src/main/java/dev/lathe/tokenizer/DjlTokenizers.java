package dev.lathe.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Creates native Hugging Face tokenizers through DJL's binding, strictly offline.
 *
 * <p>The binding ships the native library inside its jar and extracts it once to DJL's cache
 * directory ({@code DJL_CACHE_DIR}, default {@code ~/.djl.ai}, else the temp dir). Before the first
 * use we switch DJL to offline mode ({@code ai.djl.offline=true}) and opt out of its usage
 * telemetry ({@code OPT_OUT_TRACKING=true}) so that it never tries the network, neither to fetch a
 * library flavour nor to call home. Truncation and padding settings stored in {@code
 * tokenizer.json} are always disabled: a tokenizer here encodes whole texts.
 */
final class DjlTokenizers {
  private DjlTokenizers() {}

  private static final Map<String, String> OPTIONS =
      Map.of(
          "truncation", "false",
          "padding", "false",
          "addSpecialTokens", "false",
          "withOverflowingTokens", "false");

  static {
    setIfAbsent("ai.djl.offline", "true");
    setIfAbsent("OPT_OUT_TRACKING", "true");
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /**
   * A native tokenizer for the {@code tokenizer.json} text {@code json}; {@code source} names it in
   * errors.
   *
   * @throws IllegalStateException when the native library cannot be loaded on this platform
   * @throws IllegalArgumentException when the JSON is not a tokenizer the library accepts
   */
  static HuggingFaceTokenizer create(String json, String source) {
    try {
      // No TokenizerConfig is passed on purpose: DJL would then lower-case, strip accents or add a
      // prefix space on the Java side, which Hugging Face's fast tokenizers do not do.
      return HuggingFaceTokenizer.newInstance(
          new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), OPTIONS);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer " + source, e);
    } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
      throw nativeUnavailable(e);
    } catch (RuntimeException e) {
      if (e.getClass().getName().startsWith("ai.djl.engine.")) {
        throw nativeUnavailable(e);
      }
      throw new IllegalArgumentException(
          "the Hugging Face tokenizers library rejected "
              + source
              + ": "
              + e.getMessage()
              + " (is it a tokenizer.json written by the tokenizers library?)",
          e);
    }
  }

  private static String causes(Throwable t) {
    StringBuilder out = new StringBuilder(String.valueOf(t));
    for (Throwable c = t.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
      out.append("; caused by ").append(c);
    }
    return out.toString();
  }

  private static IllegalStateException nativeUnavailable(Throwable cause) {
    return new IllegalStateException(
        "cannot load the native Hugging Face tokenizers library bundled in ai.djl.huggingface:"
            + "tokenizers for "
            + System.getProperty("os.name")
            + "/"
            + System.getProperty("os.arch")
            + " ("
            + causes(cause)
            + "). It is extracted to DJL_CACHE_DIR (default ~/.djl.ai): make that directory"
            + " writable, or point RUST_LIBRARY_PATH at a libtokenizers built for this platform."
            + " Nothing is downloaded: DJL runs offline here.",
        cause);
  }
}
