/**
 * Double-precision references of the kernels in {@code dev.lathe.tensor}, forward and backward,
 * written plainly from the formulas and sharing no code with the float kernels. They are the ground
 * truth of the gradient tests: their backward passes are checked against {@link
 * dev.lathe.tensor.reference.FiniteDifferences central finite differences}, and the float kernels
 * against them. They allocate freely and are not meant to be fast.
 *
 * <p>Conventions: arrays are row-major without offsets; forward returns a new array; backward adds
 * into the gradient arrays it is given (pass {@code null} for a gradient that is not wanted where
 * the method says so).
 */
package dev.lathe.tensor.reference;
