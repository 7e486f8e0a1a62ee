package dev.lathe.tokenizer.tools;

/**
 * The literal text of one call in a format, around the two parts a server constrains when it forces
 * a call ({@code tool_choice} {@code required} or a named function): the function's name and its
 * arguments. A forced call is generated as {@code beforeName + NAME + afterName}, then the
 * arguments (constrained by the function's {@code parameters} schema), then {@code afterArguments}.
 *
 * @param beforeName text that starts a call, up to the name (for {@code required}, the name that
 *     follows is constrained to one of the tools' names)
 * @param afterName text between the name and the arguments
 * @param afterArguments text that closes the call
 * @param argumentsEscaped whether the arguments are written escaped ({@link
 *     dev.lathe.tokenizer.PlainToolText}, Lathe's plain format) rather than as plain JSON: the
 *     constrained text is then {@code PlainToolText.escape(json)}
 */
public record CallSyntax(
    String beforeName, String afterName, String afterArguments, boolean argumentsEscaped) {

  /** The text to prefill for a call of {@code name}: the arguments are generated after it. */
  public String prefix(String name) {
    return beforeName + name + afterName;
  }

  /** The text that closes the call once the arguments are complete. */
  public String suffix() {
    return afterArguments;
  }
}
