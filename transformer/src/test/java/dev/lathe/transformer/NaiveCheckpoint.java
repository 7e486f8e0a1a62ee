package dev.lathe.transformer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face checkpoint read the naive way, for the test references: numbers out of {@code
 * config.json} and F32 tensors out of {@code model.safetensors} by regular expressions, sharing no
 * code with the engine's readers.
 */
final class NaiveCheckpoint {
  private NaiveCheckpoint() {}

  /**
   * Every F32 tensor of a safetensors file as doubles, by name, with {@code prefix} dropped from
   * the names that start with it.
   */
  static Map<String, double[]> tensors(Path file, String prefix) throws IOException {
    Map<String, double[]> t = new HashMap<>();
    byte[] bytes = Files.readAllBytes(file);
    ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    int n = (int) bb.getLong(0);
    String header = new String(bytes, 8, n, StandardCharsets.UTF_8);
    Matcher m =
        Pattern.compile(
                "\"(?:"
                    + Pattern.quote(prefix)
                    + ")?([^\"]+)\":\\s*\\{\"dtype\":\\s*\"F32\",\\s*\"shape\":"
                    + "\\s*\\[[^\\]]*\\],\\s*\"data_offsets\":\\s*\\[(\\d+),\\s*(\\d+)\\]\\}")
            .matcher(header);
    while (m.find()) {
      int begin = Integer.parseInt(m.group(2));
      int end = Integer.parseInt(m.group(3));
      double[] a = new double[(end - begin) / 4];
      for (int i = 0; i < a.length; i++) {
        a[i] = bb.getFloat(8 + n + begin + 4 * i);
      }
      t.put(m.group(1), a);
    }
    return t;
  }

  /** Whether {@code json} has a numeric {@code key}. */
  static boolean has(String json, String key) {
    return Pattern.compile("\"" + key + "\"\\s*:\\s*[-0-9]").matcher(json).find();
  }

  /** The number at {@code key} in {@code json}. */
  static double num(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*([-0-9.eE+]+)").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("config.json lacks " + key);
    }
    return Double.parseDouble(m.group(1));
  }
}
