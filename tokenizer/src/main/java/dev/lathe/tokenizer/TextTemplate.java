package dev.lathe.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A Jinja template over named values (a dataset record's fields, say), rendered by the same engine
 * and settings as {@link ChatTemplate}: the same Python-like output, string methods, {@code
 * tojson}, {@code items}, {@code raise_exception} and {@code strftime_now}, trim and lstrip blocks,
 * values printed verbatim. One difference: a variable the values do not define is an error naming
 * it (a misspelt field must not silently render as nothing); test with {@code is defined} first for
 * an optional one. Instances are immutable and thread-safe.
 */
public final class TextTemplate {

  private final String name;
  private final String source;
  private final String adapted;
  private final Clock clock;
  private final Jinjava jinjava;

  private TextTemplate(String name, String source, Clock clock) {
    this.name = Objects.requireNonNull(name, "name");
    this.source = Objects.requireNonNull(source, "source");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.adapted = JinjaSyntaxAdapter.adapt(source, name);
    this.jinjava = ChatTemplate.newJinjava(true);
    ChatTemplate.checkUsages(jinjava, source, adapted, name);
  }

  /**
   * A template from its source; {@code name} (a file name) identifies it in errors; {@code clock}
   * is what {@code strftime_now} reads.
   *
   * @throws ChatTemplateException when the source uses a construct the engine does not support
   */
  public static TextTemplate of(String name, String source, Clock clock) {
    return new TextTemplate(name, source, clock);
  }

  /** The name errors give this template. */
  public String name() {
    return name;
  }

  /**
   * Renders the template with {@code variables} (strings, numbers, booleans, lists and maps).
   *
   * @throws ChatTemplateException when the render fails: an undefined variable, a template error,
   *     or {@code raise_exception}; the message names the template line
   */
  public String render(Map<String, Object> variables) {
    Map<String, Object> bindings = new HashMap<>(variables);
    bindings.put("True", true);
    bindings.put("False", false);
    ChatTemplate.RenderState state = new ChatTemplate.RenderState(clock);
    bindings.put(ChatTemplate.RENDER_STATE, state);
    RenderResult result = jinjava.renderForResult(adapted, bindings);
    if (state.raised != null) {
      throw new ChatTemplateException(
          "template", name, 0, "", "the template raised: " + state.raised);
    }
    for (TemplateError error : result.getErrors()) {
      throw ChatTemplate.toException("template", name, source, adapted, error);
    }
    return result.getOutput();
  }
}
