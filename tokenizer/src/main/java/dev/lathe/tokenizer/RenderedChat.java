package dev.lathe.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A conversation rendered by its chat template and tokenized, with the spans a fine-tuning run
 * trains on: for each assistant message, its content plus the end-of-turn marker that follows it
 * (e.g. {@code Hello!<|eot_id|>}); everything else (system prompt, user turns, role headers) is
 * context the loss masks out.
 *
 * <p>How spans are found, without trusting the template to be simple: the conversation is rendered
 * once as is, and once with every assistant content replaced by a unique marker. Aligning the two
 * renders tells where each content landed and how the template changed it (as is, or trimmed, as
 * Llama 3 does); if they do not align, rendering fails instead of guessing. An assistant turn with
 * no text (a pure tool call), or content the template rewrites (Qwen's {@code <think>} split),
 * starts instead where the template's generation prompt for that turn ends, so its span is
 * everything the model generates for it. The span then extends to the end of the first end-of-turn
 * marker ({@link HfTokenizer#eosTokenIds()}) after the content, so tool calls written after the
 * content are trained too.
 *
 * @param text the rendered conversation
 * @param ids its tokens ({@link HfTokenizer#encodeChat}: special-token strings are single ids)
 * @param spans one per assistant message, in order
 */
public record RenderedChat(String text, int[] ids, List<AssistantSpan> spans) {

  /**
   * The trained part of one assistant message.
   *
   * @param messageIndex index of the message in the conversation
   * @param charStart first character of the content in {@link #text()}
   * @param charEnd end (exclusive) of the end-of-turn marker
   * @param tokenStart first token overlapping the span
   * @param tokenEnd end (exclusive) of the tokens overlapping the span
   */
  public record AssistantSpan(
      int messageIndex, int charStart, int charEnd, int tokenStart, int tokenEnd) {}

  public RenderedChat {
    spans = List.copyOf(spans);
  }

  /** Per token, whether it is inside an assistant span (trained) or context (masked). */
  public boolean[] trainedTokens() {
    boolean[] mask = new boolean[ids.length];
    for (AssistantSpan s : spans) {
      for (int t = s.tokenStart(); t < s.tokenEnd(); t++) {
        mask[t] = true;
      }
    }
    return mask;
  }

  /** The text of {@code span}. */
  public String spanText(AssistantSpan span) {
    return text.substring(span.charStart(), span.charEnd());
  }

  /** Renders {@code messages} without tools for training. */
  public static RenderedChat render(
      ChatTemplate template, HfTokenizer tokenizer, List<ChatMessage> messages) {
    return render(template, tokenizer, messages, List.of(), Map.of());
  }

  /**
   * Renders {@code messages} (no generation prompt), tokenizes the text and locates the assistant
   * spans.
   *
   * @throws ChatTemplateException when the template cannot be rendered, or its output cannot be
   *     aligned with the messages so that spans would be uncertain
   */
  public static RenderedChat render(
      ChatTemplate template,
      HfTokenizer tokenizer,
      List<ChatMessage> messages,
      List<Map<String, Object>> tools,
      Map<String, Object> extraVariables) {
    String text = template.render(messages, tools, false, extraVariables);
    int[][] contents = locateContents(template, messages, tools, extraVariables, text);
    List<String> endMarkers = new ArrayList<>();
    for (int id : tokenizer.eosTokenIds()) {
      endMarkers.add(tokenizer.token(id));
    }
    HfTokenizer.TokenOffsets tokens = tokenizer.encodeChat(text);
    List<AssistantSpan> spans = new ArrayList<>();
    for (int m = 0; m < messages.size(); m++) {
      if (contents[m] == null) {
        continue;
      }
      int start = contents[m][0];
      int limit = text.length();
      for (int next = m + 1; next < messages.size(); next++) {
        if (contents[next] != null) {
          limit = contents[next][0];
          break;
        }
      }
      int end = endOfMarker(text, contents[m][1], limit, endMarkers);
      if (end < 0) {
        throw new ChatTemplateException(
            template.name(),
            0,
            "",
            "no end-of-turn marker "
                + endMarkers
                + " follows assistant message "
                + m
                + "; the model could not learn to stop");
      }
      int tokenStart = 0;
      while (tokenStart < tokens.ids().length && tokens.ends()[tokenStart] <= start) {
        tokenStart++;
      }
      int tokenEnd = tokenStart;
      while (tokenEnd < tokens.ids().length && tokens.starts()[tokenEnd] < end) {
        tokenEnd++;
      }
      spans.add(new AssistantSpan(m, start, end, tokenStart, tokenEnd));
    }
    return new RenderedChat(text, tokens.ids(), spans);
  }

  private static int endOfMarker(String text, int from, int limit, List<String> markers) {
    int best = -1;
    int bestEnd = -1;
    for (String marker : markers) {
      int at = text.indexOf(marker, from);
      if (at >= 0 && at + marker.length() <= limit && (best < 0 || at < best)) {
        best = at;
        bestEnd = at + marker.length();
      }
    }
    return bestEnd;
  }

  /** Per message, [start, end) of its content in {@code text}, or null if not an assistant. */
  private static int[][] locateContents(
      ChatTemplate template,
      List<ChatMessage> messages,
      List<Map<String, Object>> tools,
      Map<String, Object> extra,
      String text) {
    int[][] found = new int[messages.size()][];
    List<ChatMessage> marked = new ArrayList<>(messages);
    List<Integer> markedIndices = new ArrayList<>();
    for (int m = 0; m < messages.size(); m++) {
      ChatMessage msg = messages.get(m);
      if (msg.role().equals("assistant") && msg.content() instanceof String s && !s.isEmpty()) {
        marked.set(
            m,
            new ChatMessage("assistant", marker(m), msg.name(), msg.toolCalls(), msg.toolCallId()));
        markedIndices.add(m);
      }
    }
    String markedText = template.render(marked, tools, false, extra);
    int p = 0;
    int q = 0;
    for (int k = 0; k < markedIndices.size(); k++) {
      int m = markedIndices.get(k);
      int at = markedText.indexOf(marker(m), q);
      String content = (String) messages.get(m).content();
      String next = nextSegment(markedText, at + marker(m).length(), markedIndices, k);
      String before = markedText.substring(q, Math.max(q, at));
      String chosen = null;
      if (at >= 0 && text.startsWith(before, p)) {
        for (String v :
            List.of(content, content.strip(), content.stripLeading(), content.stripTrailing())) {
          if (text.startsWith(v, p + before.length())
              && text.startsWith(next, p + before.length() + v.length())) {
            chosen = v;
            break;
          }
        }
      }
      if (chosen == null) {
        return locateByPrompts(template, messages, tools, extra, text);
      }
      p += before.length();
      found[m] = new int[] {p, p + chosen.length()};
      p += chosen.length();
      q = at + marker(m).length();
    }
    if (!text.substring(p).equals(markedText.substring(q))) {
      return locateByPrompts(template, messages, tools, extra, text);
    }
    for (int m = 0; m < messages.size(); m++) {
      if (messages.get(m).role().equals("assistant") && found[m] == null) {
        found[m] = promptEnd(template, messages, tools, extra, text, m);
      }
    }
    return found;
  }

  private static String nextSegment(
      String markedText, int from, List<Integer> markedIndices, int k) {
    if (from < 0 || from > markedText.length()) {
      return "";
    }
    int end = markedText.length();
    if (k + 1 < markedIndices.size()) {
      int at = markedText.indexOf(marker(markedIndices.get(k + 1)), from);
      end = at < 0 ? end : at;
    }
    return markedText.substring(from, end);
  }

  private static int[][] locateByPrompts(
      ChatTemplate template,
      List<ChatMessage> messages,
      List<Map<String, Object>> tools,
      Map<String, Object> extra,
      String text) {
    int[][] found = new int[messages.size()][];
    for (int m = 0; m < messages.size(); m++) {
      if (messages.get(m).role().equals("assistant")) {
        found[m] = promptEnd(template, messages, tools, extra, text, m);
      }
    }
    return found;
  }

  /** Where the generation prompt for message {@code m} ends in {@code text}: its span start. */
  private static int[] promptEnd(
      ChatTemplate template,
      List<ChatMessage> messages,
      List<Map<String, Object>> tools,
      Map<String, Object> extra,
      String text,
      int m) {
    String prompt = template.render(messages.subList(0, m), tools, true, extra);
    if (!text.startsWith(prompt)) {
      throw new ChatTemplateException(
          template.name(),
          0,
          "",
          "cannot locate assistant message "
              + m
              + ": the rendered conversation does not start with the template's prompt for it, so"
              + " the trained span would be a guess");
    }
    return new int[] {prompt.length(), prompt.length()};
  }

  private static String marker(int messageIndex) {
    return "\uE000" + messageIndex + "\uE001";
  }
}
