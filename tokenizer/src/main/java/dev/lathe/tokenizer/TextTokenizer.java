package dev.lathe.tokenizer;

/**
 * Turns text into token ids and back. Implemented for OpenAI encodings (tiktoken-exact), Hugging
 * Face {@code tokenizer.json} files and llama2.c tokenizers, so token counts and training data come
 * from the same code path whichever model a user names.
 */
public interface TextTokenizer {

  /** Token ids of {@code text} as plain text: special-token strings are not interpreted. */
  int[] encode(String text);

  /** Number of tokens {@code text} encodes to; may be cheaper than {@link #encode}. */
  default int countTokens(String text) {
    return encode(text).length;
  }

  /** The text of {@code ids}. */
  String decode(int[] ids);

  /** Number of ids in the vocabulary, special tokens included. */
  int vocabularySize();
}
