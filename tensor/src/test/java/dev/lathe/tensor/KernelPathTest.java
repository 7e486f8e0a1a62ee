package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KernelPathTest {

  @Test
  void propertyValuesSelectThePathAndTyposAreRejected() {
    assertThat(KernelPath.parse("vector")).isTrue();
    assertThat(KernelPath.parse(" Scalar ")).isFalse();
    assertThatThrownBy(() -> KernelPath.parse("simd"))
        .hasMessageContaining("lathe.kernels=simd is not understood");
    // the build runs tests without the property: the vector path is the default
    assertThat(KernelPath.vector())
        .isEqualTo(!"scalar".equals(System.getProperty("lathe.kernels")));
  }
}
