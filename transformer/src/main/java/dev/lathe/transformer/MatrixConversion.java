package dev.lathe.transformer;

/**
 * Converts one weight matrix of (rows, cols): how a family's block record changes the type of its
 * projections while keeping its norms and biases, e.g. from the f32 arrays of {@link LlamaWeights}
 * to the {@link WeightMatrix} (f32 or bf16) a model computes with, and back.
 *
 * @param <M> the matrices held
 * @param <N> the matrices made
 */
@FunctionalInterface
public interface MatrixConversion<M, N> {
  N apply(M matrix, int rows, int cols);
}
