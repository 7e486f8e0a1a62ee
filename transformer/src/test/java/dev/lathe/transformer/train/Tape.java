package dev.lathe.transformer.train;

import java.util.Arrays;

/**
 * Reverse-mode automatic differentiation over doubles, for the test references: every operation
 * appends a node (its value, up to two parents and the local derivatives towards them) and {@link
 * #gradient} walks the nodes backwards. Nodes are ints; creation order is a topological order.
 */
final class Tape {
  private double[] val = new double[1 << 16];
  private int[] p1 = new int[1 << 16];
  private int[] p2 = new int[1 << 16];
  private double[] d1 = new double[1 << 16];
  private double[] d2 = new double[1 << 16];
  private int size;

  private int push(double v, int a, double da, int b, double db) {
    if (size == val.length) {
      int n = size * 2;
      val = Arrays.copyOf(val, n);
      p1 = Arrays.copyOf(p1, n);
      p2 = Arrays.copyOf(p2, n);
      d1 = Arrays.copyOf(d1, n);
      d2 = Arrays.copyOf(d2, n);
    }
    val[size] = v;
    p1[size] = a;
    d1[size] = da;
    p2[size] = b;
    d2[size] = db;
    return size++;
  }

  double value(int x) {
    return val[x];
  }

  int leaf(double v) {
    return push(v, -1, 0, -1, 0);
  }

  int add(int a, int b) {
    return push(val[a] + val[b], a, 1, b, 1);
  }

  int mul(int a, int b) {
    return push(val[a] * val[b], a, val[b], b, val[a]);
  }

  int scale(int a, double c) {
    return push(val[a] * c, a, c, -1, 0);
  }

  int shift(int a, double c) {
    return push(val[a] + c, a, 1, -1, 0);
  }

  int exp(int a) {
    double v = Math.exp(val[a]);
    return push(v, a, v, -1, 0);
  }

  int log(int a) {
    return push(Math.log(val[a]), a, 1 / val[a], -1, 0);
  }

  int tanh(int a) {
    double v = Math.tanh(val[a]);
    return push(v, a, 1 - v * v, -1, 0);
  }

  /** 1 / √a. */
  int rsqrt(int a) {
    double v = 1 / Math.sqrt(val[a]);
    return push(v, a, -0.5 * v / val[a], -1, 0);
  }

  int reciprocal(int a) {
    double v = 1 / val[a];
    return push(v, a, -v * v, -1, 0);
  }

  /** Σ a[i]·b[i]. */
  int dot(int[] a, int aOff, int[] b, int bOff, int n) {
    int s = mul(a[aOff], b[bOff]);
    for (int i = 1; i < n; i++) {
      s = add(s, mul(a[aOff + i], b[bOff + i]));
    }
    return s;
  }

  int sum(int[] a) {
    int s = a[0];
    for (int i = 1; i < a.length; i++) {
      s = add(s, a[i]);
    }
    return s;
  }

  /** d out / d node for every node. */
  double[] gradient(int out) {
    double[] g = new double[size];
    g[out] = 1;
    for (int i = out; i >= 0; i--) {
      if (g[i] == 0) {
        continue;
      }
      if (p1[i] >= 0) {
        g[p1[i]] += g[i] * d1[i];
      }
      if (p2[i] >= 0) {
        g[p2[i]] += g[i] * d2[i];
      }
    }
    return g;
  }
}
