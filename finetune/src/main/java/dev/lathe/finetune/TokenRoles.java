package dev.lathe.finetune;

import dev.lathe.tokenizer.ChatMessage;
import dev.lathe.tokenizer.ChatTemplate;
import dev.lathe.tokenizer.ChatTemplateException;
import dev.lathe.tokenizer.HfTokenizer;
import dev.lathe.tokenizer.RenderedChat;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Who wrote each token of a rendered chat, for {@link RenderedTokens}: tokens of an assistant
 * message's trained span ({@link RenderedChat#spans()}, the same spans training masks by) are
 * {@code assistant}; tokens of another message's content are that message's role; everything else
 * (headers, separators, markers the template adds) is {@code template}.
 *
 * <p>A message's content is looked for (its last occurrence) inside the text the template renders
 * for it: the difference between rendering the conversation up to the message before and up to this
 * one. Templates whose prefixes are not prefixes of the whole render fall back to searching the
 * contents in order. A content the template rewrites beyond trimming is not found and its tokens
 * stay {@code template}; this labelling never changes which tokens are trained.
 */
final class TokenRoles {
  static final String TEMPLATE = "template";
  static final String ASSISTANT = "assistant";

  private TokenRoles() {}

  /** The role of each of {@code chat}'s ids. */
  static String[] of(
      RenderedChat chat,
      List<ChatMessage> messages,
      List<Map<String, Object>> tools,
      ChatTemplate template,
      HfTokenizer tokenizer) {
    String[] roles = new String[chat.ids().length];
    Arrays.fill(roles, TEMPLATE);
    HfTokenizer.TokenOffsets offsets = tokenizer.encodeChat(chat.text());
    if (Arrays.equals(offsets.ids(), chat.ids())) {
      int[][] contents = contents(chat.text(), messages, tools, template);
      for (int t = 0; t < roles.length; t++) {
        for (int m = 0; m < messages.size(); m++) {
          int[] c = contents[m];
          if (c != null && offsets.starts()[t] < c[1] && offsets.ends()[t] > c[0]) {
            roles[t] = messages.get(m).role();
            break;
          }
        }
      }
    }
    for (RenderedChat.AssistantSpan span : chat.spans()) {
      for (int t = span.tokenStart(); t < span.tokenEnd(); t++) {
        roles[t] = ASSISTANT;
      }
    }
    return roles;
  }

  /** Per message, [start, end) of its (non-assistant) content in {@code text}, or null. */
  private static int[][] contents(
      String text,
      List<ChatMessage> messages,
      List<Map<String, Object>> tools,
      ChatTemplate template) {
    int[][] regions = regions(text, messages, tools, template);
    int[][] found = new int[messages.size()][];
    int cursor = 0;
    for (int m = 0; m < messages.size(); m++) {
      ChatMessage msg = messages.get(m);
      String content = msg.text();
      if (msg.role().equals(ASSISTANT) || content == null || content.isBlank()) {
        continue;
      }
      int from = regions == null ? cursor : regions[m][0];
      int to = regions == null ? text.length() : regions[m][1];
      for (String v : List.of(content, content.strip())) {
        // within its own region the content is the last match (headers come before it)
        int at = regions == null ? text.indexOf(v, from) : text.lastIndexOf(v, to - v.length());
        if (at >= from && at + v.length() <= to) {
          found[m] = new int[] {at, at + v.length()};
          cursor = at + v.length();
          break;
        }
      }
    }
    return found;
  }

  /** Per message, the part of {@code text} its prefix render adds; null when not prefixes. */
  private static int[][] regions(
      String text,
      List<ChatMessage> messages,
      List<Map<String, Object>> tools,
      ChatTemplate template) {
    int[][] regions = new int[messages.size()][];
    int previous = 0;
    for (int m = 0; m < messages.size(); m++) {
      String prefix;
      try {
        prefix = template.render(messages.subList(0, m + 1), tools, false, Map.of());
      } catch (ChatTemplateException | IllegalArgumentException e) {
        return null;
      }
      if (!text.startsWith(prefix) || prefix.length() < previous) {
        return null;
      }
      regions[m] = new int[] {previous, prefix.length()};
      previous = prefix.length();
    }
    return regions;
  }
}
