package dev.lathe.inference;

import dev.lathe.tokenizer.ChatTemplate;
import dev.lathe.tokenizer.GgufTokenizerJson;
import dev.lathe.tokenizer.GgufVocab;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.tokenizer.Llama2cTokenizer;
import dev.lathe.tokenizer.TextTokenizer;
import dev.lathe.tokenizer.TrainedTemplate;
import dev.lathe.transformer.GgufFile;
import dev.lathe.transformer.LoadOptions;
import dev.lathe.transformer.LoadedModel;
import dev.lathe.transformer.ModelLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/**
 * A {@link ChatModel} from one GGUF file: the model through {@link ModelLoader}, the tokenizer from
 * the file's metadata ({@link GgufVocab}: {@code tokenizer.ggml.model = llama}, SentencePiece BPE
 * as {@link Llama2cTokenizer#sentencePiece}; {@code gpt2}, byte-level BPE as an {@link
 * HfTokenizer}), and {@code tokenizer.chat_template} when present, else the plain chat format. A
 * fine-tune over it must have been trained with the same vocabulary as Hugging Face files ({@link
 * GgufTokenizerJson}, which gives the same ids), template and special tokens.
 */
final class GgufChatModel {
  private GgufChatModel() {}

  static ChatModel open(Path file, LoadOptions options) throws IOException {
    TextTokenizer tokenizer;
    String templateSource;
    boolean addBos;
    GgufTokenizerJson files;
    try (GgufFile g = GgufFile.open(file)) {
      files = GgufTokenizerJson.of(g.metadata(), file.toString());
      tokenizer =
          "gpt2".equals(g.metadata().get("tokenizer.ggml.model"))
              ? files.open()
              : GgufVocab.tokenizer(g.metadata(), file.toString());
      templateSource = g.metadata().get("tokenizer.chat_template") instanceof String s ? s : null;
      addBos = GgufVocab.addsBos(g.metadata());
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": cannot build its tokenizer: " + e.getMessage(), e);
    }
    LoadedModel loaded;
    try {
      loaded = ModelLoader.load(file, options);
      if (tokenizer.vocabularySize() > loaded.config().vocabSize()) {
        throw new IOException(
            file
                + ": the tokenizer has "
                + tokenizer.vocabularySize()
                + " tokens but the model's embedding only "
                + loaded.config().vocabSize());
      }
    } catch (IOException | RuntimeException e) {
      if (tokenizer instanceof HfTokenizer hf) {
        hf.close();
      }
      throw e;
    }
    if (tokenizer instanceof HfTokenizer hf) {
      return ChatModel.of(loaded, hf, null);
    }
    Llama2cTokenizer spm = (Llama2cTokenizer) tokenizer;
    String bos = spm.piece(spm.bosId());
    String eos = spm.piece(spm.eosId());
    ChatTemplate template =
        templateSource == null
            ? ChatTemplate.plain(eos)
            : ChatTemplate.of(file.getFileName().toString(), templateSource, bos, eos);
    ChatModel.PromptEncoder encoder =
        new ChatModel.PromptEncoder() {
          @Override
          public int[] prompt(String text) {
            return spm.encode(text, addBos, false);
          }

          @Override
          public int[] rendered(String text, boolean withBos) {
            return ChatModel.encodeWithSpecials(spm, text, withBos, bos, eos);
          }
        };
    return new ChatModel(
        loaded.model(),
        spm,
        encoder,
        template,
        templateSource == null,
        Set.of(spm.eosId()),
        () -> {
          try (HfTokenizer t = files.open()) {
            return TrainedTemplate.of(t, template);
          }
        },
        () -> {});
  }
}
