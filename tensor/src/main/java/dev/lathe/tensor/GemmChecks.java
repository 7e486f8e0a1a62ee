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
    operand(op, "A", aLen, aOff, (long) m * k, "m*k = " + m + "*" + k);
    operand(op, "B", bLen, bOff, (long) n * k, "n*k = " + n + "*" + k);
    operand(op, "C", cLen, cOff, (long) m * n, "m*n = " + m + "*" + n);
  }

  private static void operand(String op, String name, long len, long off, long need, String how) {
    if (off < 0 || off + need > len) {
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
