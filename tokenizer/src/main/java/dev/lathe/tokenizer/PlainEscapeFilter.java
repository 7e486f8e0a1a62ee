package dev.lathe.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;

/**
 * {@code value|lathe_escape}: the plain format's escaping ({@link PlainToolText#escape}), used by
 * {@link ChatTemplate#PLAIN_SOURCE} for tool definitions and tool-call arguments. Lathe's own
 * filter: model templates never use it.
 */
final class PlainEscapeFilter implements Filter {

  @Override
  public String getName() {
    return "lathe_escape";
  }

  @Override
  public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
    return PlainToolText.escape(value == null ? "" : String.valueOf(value));
  }
}
