package dev.lathe.finetune.tasks;

import dev.lathe.finetune.TrainingBase;
import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.tokenizer.ChatTemplate;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.transformer.KvCache;
import dev.lathe.transformer.LanguageModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A model's greedy (argmax) answers to conversations, rendered as training renders them: the
 * model's own chat template, else the plain-text one with the BOS token first. Generation stops at
 * the end-of-sequence token or after {@code maxNewTokens}.
 */
public final class GreedyAnswers {
  private GreedyAnswers() {}

  /**
   * The answers of the model in {@code modelDir} (a directory or a {@code .gguf} file) to {@code
   * chats}, in order.
   */
  public static List<String> of(
      Path modelDir, List<List<ChatMessage>> chats, int contextLength, int maxNewTokens)
      throws IOException {
    LanguageModel m = TrainingBase.load(modelDir).model();
    List<String> answers = new ArrayList<>();
    try (HfTokenizer tokenizer = TrainingBase.tokenizer(modelDir)) {
      var own = ChatTemplate.of(tokenizer);
      ChatTemplate template = own.orElseGet(() -> ChatTemplate.plain(tokenizer.eosToken()));
      int eos = tokenizer.eosTokenIds()[0];
      int shift = own.isEmpty() && tokenizer.bosTokenId().isPresent() ? 1 : 0;
      for (List<ChatMessage> chat : chats) {
        int[] body = tokenizer.encodeChat(template.render(chat, true)).ids();
        int[] ids = new int[body.length + shift];
        if (shift == 1) {
          ids[0] = tokenizer.bosTokenId().getAsInt();
        }
        System.arraycopy(body, 0, ids, shift, body.length);
        int room = Math.min(contextLength, m.contextLength()) - maxNewTokens;
        if (ids.length > room) {
          ids = Arrays.copyOfRange(ids, ids.length - room, ids.length);
        }
        answers.add(tokenizer.decode(tokens(m, ids, eos, maxNewTokens), true).strip());
      }
    }
    return answers;
  }

  /**
   * The argmax continuation of {@code prompt}: at most {@code maxNew} tokens, stopping before
   * {@code eos}.
   */
  public static int[] tokens(LanguageModel m, int[] prompt, int eos, int maxNew) {
    KvCache cache = m.newCache(prompt.length + maxNew);
    float[] logits = new float[m.vocabularySize()];
    m.forward(prompt, 0, prompt.length, cache, logits);
    int[] out = new int[maxNew];
    int n = 0;
    int[] one = new int[1];
    while (n < maxNew) {
      int best = 0;
      for (int v = 1; v < logits.length; v++) {
        if (logits[v] > logits[best]) {
          best = v;
        }
      }
      if (best == eos) {
        break;
      }
      out[n++] = best;
      one[0] = best;
      if (n < maxNew) {
        m.forward(one, 0, 1, cache, logits);
      }
    }
    return Arrays.copyOf(out, n);
  }
}
