package dev.lathe.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Bf16Test {
  private static short bits(int b) {
    return (short) b;
  }

  @Test
  void widensByShiftingIntoTheHighHalf() {
    assertThat(Bf16.toFloat(bits(0x3f80))).isEqualTo(1f);
    assertThat(Bf16.toFloat(bits(0xc000))).isEqualTo(-2f);
    assertThat(Bf16.toFloat(bits(0x7f80))).isEqualTo(Float.POSITIVE_INFINITY);
  }

  @Test
  void roundsToNearestWithTiesToEven() {
    // 1 + 2^-8 is halfway between 1 (even mantissa) and 1 + 2^-7: ties go to 1
    assertThat(Bf16.fromFloat(Float.intBitsToFloat(0x3f80_8000))).isEqualTo(bits(0x3f80));
    // 1 + 3*2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): ties go up
    assertThat(Bf16.fromFloat(Float.intBitsToFloat(0x3f81_8000))).isEqualTo(bits(0x3f82));
    // just above and below the halfway point
    assertThat(Bf16.fromFloat(Float.intBitsToFloat(0x3f80_8001))).isEqualTo(bits(0x3f81));
    assertThat(Bf16.fromFloat(Float.intBitsToFloat(0x3f80_7fff))).isEqualTo(bits(0x3f80));
    assertThat(Bf16.fromFloat(-1f)).isEqualTo(bits(0xbf80));
    assertThat(Bf16.fromFloat(-0f)).isEqualTo(bits(0x8000));
    assertThat(Bf16.fromFloat(Float.MAX_VALUE)).isEqualTo(bits(0x7f80)); // overflows to infinity
  }

  @Test
  void nanStaysNanAndInfinitiesStay() {
    assertThat(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(Float.NaN)))).isTrue();
    assertThat(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(Float.intBitsToFloat(0x7f80_0001)))))
        .isTrue();
    assertThat(Bf16.fromFloat(Float.NEGATIVE_INFINITY)).isEqualTo(bits(0xff80));
  }

  @Test
  void roundTripErrorIsAtMostHalfABf16Ulp() {
    Random r = new Random(5);
    for (int i = 0; i < 100_000; i++) {
      float x = (float) (r.nextGaussian() * Math.pow(2, r.nextInt(40) - 20));
      float y = Bf16.toFloat(Bf16.fromFloat(x));
      float halfUlp = Math.ulp(x) * 65536 / 2;
      assertThat(Math.abs(y - x)).as("x=%s", x).isLessThanOrEqualTo(halfUlp);
    }
  }

  @Test
  void arrayConversionsMatchTheScalarOnes() {
    float[] x = {0.1f, -3.75f, 1e-20f, 65504f};
    short[] h = Bf16.fromFloat(x);
    float[] back = Bf16.toFloat(h);
    for (int i = 0; i < x.length; i++) {
      assertThat(h[i]).isEqualTo(Bf16.fromFloat(x[i]));
      assertThat(back[i]).isEqualTo(Bf16.toFloat(h[i]));
    }
  }

  @Test
  void vectorWideningMatchesItsScalarTwinOnOddSizesAndOffsets() {
    Random r = new Random(11);
    short[] src = new short[200];
    for (int i = 0; i < src.length; i++) {
      src[i] = (short) r.nextInt(); // every bit pattern: NaNs, infinities, subnormals, zeros
    }
    for (int n : new int[] {0, 1, 15, 16, 17, 33, 95, 150}) {
      for (int off : new int[] {0, 3, 17}) {
        float[] vector = new float[n + 5];
        float[] scalar = new float[n + 5];
        Bf16.toFloat(src, off, vector, 2, n);
        Bf16.toFloatScalar(src, off, scalar, 2, n);
        for (int i = 0; i < vector.length; i++) {
          assertThat(Float.floatToRawIntBits(vector[i]))
              .as("n=%d off=%d i=%d", n, off, i)
              .isEqualTo(Float.floatToRawIntBits(scalar[i]));
        }
      }
    }
  }
}
