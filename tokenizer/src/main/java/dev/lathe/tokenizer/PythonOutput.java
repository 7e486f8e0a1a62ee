package dev.lathe.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;

/**
 * How {@code {{ expression }}} is printed: as Python's {@code str()} would for booleans ({@code
 * True}, {@code False}), jinjava's Python-like form otherwise, and always verbatim (no nested
 * template interpretation, no HTML escaping).
 */
final class PythonOutput implements ExpressionStrategy {
  private static final long serialVersionUID = 1L;

  @Override
  public RenderedOutputNode interpretOutput(ExpressionToken token, JinjavaInterpreter interpreter) {
    Object value = interpreter.resolveELExpression(token.getExpr(), token.getLineNumber());
    String text =
        value instanceof Boolean b ? (b ? "True" : "False") : interpreter.getAsString(value);
    return new RenderedOutputNode(text);
  }
}
