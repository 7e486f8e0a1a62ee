package dev.lathe.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The UTF-8 check agrees with the JDK's strict decoder on where the first bad byte is. */
class Utf8Test {

  private static int jdkFirstInvalid(byte[] b) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(b);
    CharBuffer out = CharBuffer.allocate(b.length * 2 + 4);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      return in.position();
    }
    result = decoder.flush(out);
    return result.isError() ? in.position() : -1;
  }

  @Test
  void agreesWithTheJdkOnRandomBytes() {
    Random random = new Random(7);
    String[] pieces = {"a", "é", "€", "😀", "plain ascii text "};
    for (int round = 0; round < 5000; round++) {
      StringBuilder s = new StringBuilder();
      int n = random.nextInt(30);
      for (int i = 0; i < n; i++) {
        s.append(pieces[random.nextInt(pieces.length)]);
      }
      byte[] b = s.toString().getBytes(StandardCharsets.UTF_8);
      int corruptions = random.nextInt(3);
      for (int k = 0; k < corruptions && b.length > 0; k++) {
        b[random.nextInt(b.length)] = (byte) random.nextInt(256);
      }
      byte[] padded = new byte[b.length + 5];
      System.arraycopy(b, 0, padded, 2, b.length);
      assertThat(Utf8.firstInvalid(padded, 2, b.length))
          .as("round %d: %s", round, HexFormat.of().formatHex(b))
          .isEqualTo(jdkFirstInvalid(b));
    }
  }

  @Test
  void rejectsOverlongsSurrogatesAndTooLargeCodePoints() {
    byte[][] bad = {
      {(byte) 0xC0, (byte) 0xAF}, // overlong '/'
      {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}, // overlong
      {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // surrogate U+D800
      {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // U+110000
      {(byte) 0xE2, (byte) 0x82} // truncated '€'
    };
    for (byte[] b : bad) {
      assertThat(Utf8.firstInvalid(b, 0, b.length)).isZero();
    }
    byte[] ok = "ok 😀 €".getBytes(StandardCharsets.UTF_8);
    assertThat(Utf8.firstInvalid(ok, 0, ok.length)).isEqualTo(-1);
  }
}
