package dev.lathe.inference.json;

import dev.lathe.inference.TokenConstraint;
import dev.lathe.tokenizer.TextTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Free text that holds a JSON document to a grammar wherever it follows a trigger: e.g. a reply
 * that may call tools, whose calls ({@code <tool_call>\n} then the call object) must match the
 * tools' schemas while the text around them stays the model's own (OpenAI's {@code strict} tools
 * under {@code tool_choice: "auto"}).
 *
 * <p>Outside a document nothing is masked except tokens that would finish the trigger and run on
 * past it in the same token (the document must start at a token boundary, where the inner
 * constraint begins). Once the output ends with the trigger, the inner {@link JsonConstraint} holds
 * every token until its document is complete and can take nothing more; then the text is free again
 * and another trigger starts another document. The trigger is matched on the decoded text of the
 * tokens, special tokens included ({@code <tool_call>} is one token in Qwen's vocabulary). The
 * generation never {@linkplain State#finished finishes} by the constraint.
 */
public final class TriggeredConstraint implements TokenConstraint {
  private static final Map<TextTokenizer, byte[][]> TEXTS = new WeakHashMap<>();

  private final JsonConstraint inner;
  private final byte[] trigger;
  private final byte[][] tokenText; // (V) each token's decoded bytes on its own

  /**
   * @param inner the documents' grammar over the model's vocabulary
   * @param trigger the text a document follows, not empty
   * @param tokenizer the model's tokenizer (the one {@code inner} was built over)
   */
  public TriggeredConstraint(JsonConstraint inner, String trigger, TextTokenizer tokenizer) {
    if (trigger.isEmpty()) {
      throw new IllegalArgumentException("a trigger must not be empty");
    }
    this.inner = inner;
    this.trigger = trigger.getBytes(StandardCharsets.UTF_8);
    this.tokenText = texts(tokenizer);
  }

  /** Each token's decoded bytes on its own, built once per tokenizer and cached (weakly). */
  private static byte[][] texts(TextTokenizer tokenizer) {
    synchronized (TEXTS) {
      return TEXTS.computeIfAbsent(
          tokenizer,
          t -> {
            byte[][] texts = new byte[t.vocabularySize()][];
            int[] one = new int[1];
            for (int id = 0; id < texts.length; id++) {
              one[0] = id;
              texts[id] = t.decode(one).getBytes(StandardCharsets.UTF_8);
            }
            return texts;
          });
    }
  }

  /** Free text needs nothing: a document is only begun where its shortest form still fits. */
  @Override
  public int minimumTokens() {
    return 0;
  }

  @Override
  public State start(boolean[] stopsOn, int budget) {
    return new Session(stopsOn, budget);
  }

  /** One generation: free text, or inside a document. */
  private final class Session implements State {
    private final boolean[] stopsOn;
    private final int budget;
    private final byte[] tail; // the last trigger.length bytes of free text
    private int tailLength;
    private int used; // tokens accepted so far
    private State document; // null while the text is free

    Session(boolean[] stopsOn, int budget) {
      this.stopsOn = stopsOn;
      this.budget = budget;
      this.tail = new byte[trigger.length];
    }

    @Override
    public void mask(float[] logits) {
      if (document != null) {
        document.mask(logits);
        return;
      }
      int matched = partialMatch();
      if (matched == 0) {
        return;
      }
      // the rest of the trigger must end exactly at the end of a token
      int rest = trigger.length - matched;
      for (int id = 0; id < tokenText.length && id < logits.length; id++) {
        byte[] t = tokenText[id];
        if (t.length > rest && startsWithRest(t, matched)) {
          logits[id] = Float.NEGATIVE_INFINITY;
        }
      }
    }

    @Override
    public void accept(int token) {
      used++;
      if (document != null) {
        document.accept(token);
        if (document.finished()) {
          document = null;
          tailLength = 0;
        }
        return;
      }
      byte[] t = token < tokenText.length ? tokenText[token] : new byte[0];
      for (byte b : t) {
        push(b);
      }
      if (tailLength == trigger.length && Arrays.equals(tail, trigger)) {
        int left = budget - used;
        if (left >= inner.minimumTokens()) {
          document = inner.start(stopsOn, left);
        } // else too late for a whole document: the text stays free and is read as written
      }
    }

    @Override
    public boolean finished() {
      return false;
    }

    private void push(byte b) {
      if (tailLength < tail.length) {
        tail[tailLength++] = b;
      } else {
        System.arraycopy(tail, 1, tail, 0, tail.length - 1);
        tail[tail.length - 1] = b;
      }
    }

    /** The longest proper prefix of the trigger the free text ends with (0 for none). */
    private int partialMatch() {
      for (int k = Math.min(tailLength, trigger.length - 1); k > 0; k--) {
        if (Arrays.equals(tail, tailLength - k, tailLength, trigger, 0, k)) {
          return k;
        }
      }
      return 0;
    }

    private boolean startsWithRest(byte[] t, int matched) {
      return Arrays.equals(t, 0, trigger.length - matched, trigger, matched, trigger.length);
    }
  }
}
