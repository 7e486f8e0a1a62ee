package dev.lathe.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

/**
 * A {@link TextTokenizer} for an OpenAI encoding (cl100k_base, o200k_base), backed by jtokkit,
 * which reproduces tiktoken's token ids. Instances are immutable and safe to share between threads.
 */
public final class OpenAiTokenizer implements TextTokenizer {

  /** Loads each encoding's rank table once per JVM, on first use. */
  private static final class Registry {
    static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
  }

  private final OpenAiEncoding encoding;
  private final Encoding bpe;

  private OpenAiTokenizer(OpenAiEncoding encoding) {
    this.encoding = encoding;
    EncodingType type =
        switch (encoding) {
          case CL100K_BASE -> EncodingType.CL100K_BASE;
          case O200K_BASE -> EncodingType.O200K_BASE;
        };
    this.bpe = Registry.REGISTRY.getEncoding(type);
  }

  /** The tokenizer of {@code encoding}. */
  public static OpenAiTokenizer of(OpenAiEncoding encoding) {
    return new OpenAiTokenizer(encoding);
  }

  /**
   * The tokenizer of the OpenAI model {@code model}, e.g. {@code gpt-4o-mini-2024-07-18}.
   *
   * @throws IllegalArgumentException for a model {@link OpenAiEncoding#forModel} does not know
   */
  public static OpenAiTokenizer forModel(String model) {
    return new OpenAiTokenizer(OpenAiEncoding.forModel(model));
  }

  /** Which encoding this is. */
  public OpenAiEncoding encoding() {
    return encoding;
  }

  @Override
  public int[] encode(String text) {
    return bpe.encodeOrdinary(text).toArray();
  }

  @Override
  public int countTokens(String text) {
    return bpe.countTokensOrdinary(text);
  }

  @Override
  public String decode(int[] ids) {
    IntArrayList list = new IntArrayList(ids.length);
    for (int id : ids) {
      list.add(id);
    }
    return bpe.decode(list);
  }

  @Override
  public int vocabularySize() {
    return encoding.vocabularySize();
  }

  @Override
  public String toString() {
    return "OpenAiTokenizer[" + encoding.encodingName() + "]";
  }
}
