package dev.lathe.inference;

import dev.lathe.tokenizer.ChatTemplate;
import dev.lathe.tokenizer.Llama2cTokenizer;
import dev.lathe.transformer.GgufFile;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A {@link ChatModel} from one GGUF file: the model through {@link ModelLoader}, the tokenizer from
 * the file's metadata ({@code tokenizer.ggml.model = llama}: SentencePiece BPE with byte fallback,
 * as {@link Llama2cTokenizer#sentencePiece}), and {@code tokenizer.chat_template} when present,
 * else the plain chat format.
 */
final class GgufChatModel {
  private GgufChatModel() {}

  static ChatModel open(Path file) throws IOException {
    Llama2cTokenizer tokenizer;
    String templateSource;
    try (GgufFile g = GgufFile.open(file)) {
      tokenizer = tokenizer(g);
      templateSource = g.metadata().get("tokenizer.chat_template") instanceof String s ? s : null;
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": cannot build its tokenizer: " + e.getMessage(), e);
    }
    LoadedModel loaded = ModelLoader.load(file);
    if (tokenizer.vocabularySize() > loaded.config().vocabSize()) {
      throw new IOException(
          file
              + ": the tokenizer has "
              + tokenizer.vocabularySize()
              + " tokens but the model's embedding only "
              + loaded.config().vocabSize());
    }
    String bos = tokenizer.piece(tokenizer.bosId());
    String eos = tokenizer.piece(tokenizer.eosId());
    ChatTemplate template =
        templateSource == null
            ? ChatTemplate.plain(eos)
            : ChatTemplate.of(file.getFileName().toString(), templateSource, bos, eos);
    ChatModel.PromptEncoder encoder =
        new ChatModel.PromptEncoder() {
          @Override
          public int[] prompt(String text) {
            return tokenizer.encode(text, true, false);
          }

          @Override
          public int[] rendered(String text, boolean addBos) {
            return ChatModel.encodeWithSpecials(tokenizer, text, addBos, bos, eos);
          }
        };
    return new ChatModel(
        loaded.model(),
        tokenizer,
        encoder,
        template,
        templateSource == null,
        Set.of(tokenizer.eosId()),
        () -> {});
  }

  private static Llama2cTokenizer tokenizer(GgufFile g) {
    String model = g.string("tokenizer.ggml.model");
    if (!model.equals("llama")) {
      throw new IllegalArgumentException(
          "tokenizer.ggml.model "
              + model
              + " is not supported yet: Lathe reads GGUF's llama (SentencePiece) vocabularies");
    }
    List<?> tokens = g.array("tokenizer.ggml.tokens");
    List<?> scores = g.array("tokenizer.ggml.scores");
    List<?> types = g.array("tokenizer.ggml.token_type");
    float[] s = new float[scores.size()];
    int[] t = new int[types.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = ((Number) scores.get(i)).floatValue();
    }
    for (int i = 0; i < t.length; i++) {
      t[i] = ((Number) types.get(i)).intValue();
    }
    return Llama2cTokenizer.sentencePiece(
        tokens.stream().map(Object::toString).toList(),
        s,
        t,
        g.integer("tokenizer.ggml.bos_token_id"),
        g.integer("tokenizer.ggml.eos_token_id"));
  }
}
