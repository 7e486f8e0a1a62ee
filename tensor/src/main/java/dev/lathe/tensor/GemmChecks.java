package dev.lathe.tensor;

/** Argument checks shared by the {@link Gemm} entry points: shapes and offsets against lengths. */
final class GemmChecks {
  private GemmChecks() {}

  /**
   * Throws a message naming the operation and the operand when a shape or offset is out of range.
   */
  static void check(
      String op,
      long aLen,
      long aOff,
      long bLen,
      long bOff,
      long cLen,
      long cOff,
      int m,
      int n,
      int k) {
    if (m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException(
          op + ": shape m=" + m + ", n=" + n + ", k=" + k + " has a negative dimension");
    }
    // the message is built only on failure: a decode step runs these checks hundreds of times
    operand(op, "A", aLen, aOff, "m*k", m, k);
    operand(op, "B", bLen, bOff, "n*k", n, k);
    operand(op, "C", cLen, cOff, "m*n", m, n);
  }

  private static void operand(
      String op, String name, long len, long off, String dims, int rows, int cols) {
    long need = (long) rows * cols;
    if (off < 0 || off + need > len) {
      String how = dims + " = " + rows + "*" + cols;
      throw new IllegalArgumentException(
          op
              + ": "
              + name
              + " needs "
              + need
              + " elements ("
              + how
              + ") from offset "
              + off
              + " but has length "
              + len
              + "; pass a larger array or a smaller shape/offset");
    }
  }
}
