package dev.lathe.tensor.reference;

/** SwiGLU in double: {@code y = gate · sigmoid(gate) · up}. */
public final class SwiGluRef {
  private SwiGluRef() {}

  /** {@code // gate, up: (n) returns y: (n)} */
  public static double[] forward(double[] gate, double[] up) {
    double[] y = new double[gate.length];
    for (int i = 0; i < y.length; i++) {
      y[i] = gate[i] * sigmoid(gate[i]) * up[i];
    }
    return y;
  }

  /**
   * Adds dL/dgate and dL/dup given dL/dy; {@code d(g σ(g))/dg = σ(g) + g σ(g)(1 − σ(g))}.
   *
   * <pre>
   * // dGate, dUp: (n) += ; dy, gate, up: (n)
   * </pre>
   */
  public static void backward(
      double[] dGate, double[] dUp, double[] dy, double[] gate, double[] up) {
    for (int i = 0; i < gate.length; i++) {
      double s = sigmoid(gate[i]);
      dGate[i] += dy[i] * up[i] * (s + gate[i] * s * (1 - s));
      dUp[i] += dy[i] * gate[i] * s;
    }
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }
}
