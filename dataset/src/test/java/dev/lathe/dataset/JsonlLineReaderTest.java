package dev.lathe.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Line splitting against a naive reference, across read sizes, buffer growth and skipping. */
class JsonlLineReaderTest {

  /** Collects what the reader hands out, one string per event. */
  private static List<String> split(byte[] data, int maxLine, Random chunks) throws Exception {
    List<String> out = new ArrayList<>();
    JsonlLineReader reader = new JsonlLineReader(maxLine);
    JsonlLineReader.Sink sink =
        new JsonlLineReader.Sink() {
          @Override
          public void line(byte[] b, int off, int len, long n, boolean crlf) {
            out.add(n + ":" + Arrays.toString(Arrays.copyOfRange(b, off, off + len)) + ":" + crlf);
          }

          @Override
          public void lineTooLong(long n, long length) {
            out.add(n + ":too long " + length);
          }
        };
    reader.read(
        chunks == null ? new ByteArrayInputStream(data) : new ChunkedInputStream(data, chunks, 700),
        sink);
    assertThat(reader.bytesRead()).isEqualTo(data.length);
    assertThat(reader.lines()).isEqualTo(out.size());
    return out;
  }

  /** The obvious implementation: split at '\n', drop one final empty piece, strip one '\r'. */
  private static List<String> reference(byte[] data, int maxLine) {
    List<String> out = new ArrayList<>();
    int start = 0;
    long n = 0;
    for (int i = 0; i <= data.length; i++) {
      if (i == data.length && start == data.length) {
        break;
      }
      if (i == data.length || data[i] == '\n') {
        byte[] line = Arrays.copyOfRange(data, start, i);
        n++;
        if (line.length > maxLine) {
          out.add(n + ":too long " + line.length);
        } else {
          boolean crlf = line.length > 0 && line[line.length - 1] == '\r';
          byte[] body = crlf ? Arrays.copyOf(line, line.length - 1) : line;
          out.add(n + ":" + Arrays.toString(body) + ":" + crlf);
        }
        start = i + 1;
      }
    }
    return out;
  }

  @Test
  void splitsLikeTheReferenceForRandomInputsAndReadSizes() throws Exception {
    Random random = new Random(20261122);
    byte[] alphabet = {'\n', '\r', 'a', '{', '"', (byte) 0xC3, ' '};
    for (int round = 0; round < 300; round++) {
      int maxLine = 1024 + random.nextInt(3000);
      byte[] data = new byte[random.nextInt(20_000)];
      int lineBias = 1 + random.nextInt(6000); // some rounds have lines longer than maxLine
      for (int i = 0; i < data.length; i++) {
        data[i] = random.nextInt(lineBias) == 0 ? (byte) '\n' : alphabet[2 + random.nextInt(5)];
        if (random.nextInt(500) == 0) {
          data[i] = alphabet[random.nextInt(alphabet.length)];
        }
      }
      if (random.nextBoolean() && data.length >= 3) {
        data[0] = 'x'; // no byte-order mark: it is tested on its own
      }
      List<String> expected = reference(data, maxLine);
      assertThat(split(data, maxLine, null)).as("round %d", round).isEqualTo(expected);
      assertThat(split(data, maxLine, new Random(round))).as("round %d", round).isEqualTo(expected);
    }
  }

  @Test
  void byteOrderMarkIsSkippedEvenWhenItArrivesOneByteAtATime() throws Exception {
    byte[] data = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}', '\n', '{', '}'};
    JsonlLineReader reader = new JsonlLineReader(1024);
    List<String> lines = new ArrayList<>();
    reader.read(
        new ChunkedInputStream(data, new Random(1), 1),
        new JsonlLineReader.Sink() {
          @Override
          public void line(byte[] b, int off, int len, long n, boolean crlf) {
            lines.add(new String(b, off, len));
          }

          @Override
          public void lineTooLong(long n, long length) {
            lines.add("too long");
          }
        });

    assertThat(reader.byteOrderMark()).isTrue();
    assertThat(lines).containsExactly("{}", "{}");
  }

  @Test
  void newlineSearchFindsEveryPosition() {
    for (int len = 0; len < 40; len++) {
      for (int at = 0; at < len; at++) {
        byte[] b = new byte[len + 3];
        Arrays.fill(b, (byte) 'x');
        b[1 + at] = '\n';
        assertThat(JsonlLineReader.indexOfNewline(b, 1, 1 + len)).isEqualTo(1 + at);
      }
      assertThat(JsonlLineReader.indexOfNewline(new byte[len], 0, len)).isEqualTo(-1);
    }
  }
}
