package dev.lathe.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Chooses between the plain scalar reference and the Vector API path of every element-wise kernel
 * in this package (RMSNorm, LayerNorm, softmax, RoPE, SwiGLU, GELU, embedding, residual).
 *
 * <p>The Vector API path is the default. Start the JVM with {@code -Dlathe.kernels=scalar} to force
 * the scalar references everywhere (e.g. to rule the vector code out when chasing a numeric
 * difference). The choice is read once, when this class is initialised.
 */
public final class KernelPath {
  private KernelPath() {}

  /** System property that selects the kernel path: {@code vector} (default) or {@code scalar}. */
  public static final String PROPERTY = "lathe.kernels";

  /** The species every vector kernel uses. */
  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

  private static final boolean VECTOR = parse(System.getProperty(PROPERTY, "vector"));

  /**
   * The width in bits of the species the vector kernels use ({@code FloatVector.SPECIES_PREFERRED}
   * on this machine), whether or not {@link #vector()} selects them.
   */
  public static int vectorBitSize() {
    return F.vectorBitSize();
  }

  /** Whether kernels run their Vector API path. */
  public static boolean vector() {
    return VECTOR;
  }

  static boolean parse(String value) {
    return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "vector" -> true;
      case "scalar" -> false;
      default ->
          throw new IllegalArgumentException(
              "system property "
                  + PROPERTY
                  + "="
                  + value
                  + " is not understood: use 'vector' (default) or 'scalar'");
    };
  }
}
