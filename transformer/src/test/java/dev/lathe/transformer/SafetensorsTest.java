package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

  private static Map<String, SafetensorsWriter.Tensor> tensors() {
    Map<String, SafetensorsWriter.Tensor> t = new LinkedHashMap<>();
    t.put(
        "a",
        new SafetensorsWriter.Tensor(new long[] {2, 3}, new float[] {1, -2, 3.5f, 0, 1e-3f, 7}));
    t.put("b", new SafetensorsWriter.Tensor(new long[] {1}, new float[] {(float) Math.PI}));
    return t;
  }

  @Test
  void everyDtypeReadsBackAsItsRoundedF32(@TempDir Path dir) throws IOException {
    for (DType d : List.of(DType.F32, DType.BF16, DType.F16)) {
      Path f = dir.resolve(d + ".safetensors");
      SafetensorsWriter.write(f, tensors(), Map.of("format", "pt"), d);
      assertThat(
              Files.size(f)
                  - 8
                  - ByteBuffer.wrap(Files.readAllBytes(f))
                      .order(ByteOrder.LITTLE_ENDIAN)
                      .getLong(0))
          .isEqualTo(7L * d.bytes());
      try (SafetensorsFile s = SafetensorsFile.open(f)) {
        assertThat(s.metadata()).containsEntry("format", "pt");
        assertThat(s.tensors().get("a").shape()).containsExactly(2, 3);
        float pi = s.floats("b")[0];
        float expected =
            switch (d) {
              case F32 -> (float) Math.PI;
              case BF16 -> 3.140625f; // nearest bfloat16
              case F16 -> 3.140625f; // nearest half (10-bit mantissa)
              case Q8_0, Q4_0 -> throw new AssertionError("memory only");
            };
        assertThat(pi).as("%s", d).isEqualTo(expected);
        assertThat(s.floats("a")[2]).isEqualTo(3.5f);
      }
    }
    assertThatThrownBy(
            () ->
                SafetensorsWriter.write(
                    dir.resolve("q8.safetensors"), tensors(), Map.of(), DType.Q8_0))
        .hasMessageContaining("safetensors has no Q8_0 dtype");
    assertThatThrownBy(
            () ->
                SafetensorsWriter.write(
                    dir.resolve("q4.safetensors"), tensors(), Map.of(), DType.Q4_0))
        .hasMessageContaining("safetensors has no Q4_0 dtype");
  }

  @Test
  void shardedDirectoryWithIndexAndMetadataAliases(@TempDir Path dir) throws IOException {
    Map<String, SafetensorsWriter.Tensor> t = tensors();
    SafetensorsWriter.write(
        dir.resolve("model-00001-of-00002.safetensors"),
        Map.of("a", t.get("a")),
        Map.of("tied", "a"),
        DType.F32);
    SafetensorsWriter.write(
        dir.resolve("model-00002-of-00002.safetensors"),
        Map.of("b", t.get("b")),
        Map.of(),
        DType.F32);
    Files.writeString(
        dir.resolve("model.safetensors.index.json"),
        "{\"metadata\": {}, \"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\","
            + " \"b\": \"model-00002-of-00002.safetensors\"}}");
    try (WeightSource w = WeightSource.open(dir)) {
      assertThat(w.get("b", 1)).containsExactly((float) Math.PI);
      assertThat(w.get("tied", 2, 3)).containsExactly(t.get("a").data());
      assertThat(w.has("c")).isFalse();
      assertThatThrownBy(() -> w.get("a", 3, 2))
          .hasMessageContaining("tensor a has shape [2, 3], config.json implies [3, 2]");
      assertThatThrownBy(() -> w.get("c", 1)).hasMessageContaining("tensor c is missing");
    }
  }

  @Test
  void corruptOrUnsupportedFilesAreClearErrors(@TempDir Path dir) throws IOException {
    Path huge = dir.resolve("huge.safetensors");
    Files.write(huge, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
    assertThatThrownBy(() -> SafetensorsFile.open(huge))
        .hasMessageContaining("header length 1000 does not fit in 16 bytes");

    String header = "{\"x\": {\"dtype\": \"I8\", \"shape\": [2], \"data_offsets\": [0, 2]}}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(8 + h.length + 2).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(h.length).put(h).put((byte) 1).put((byte) 2);
    Path i8 = dir.resolve("i8.safetensors");
    Files.write(i8, b.array());
    try (SafetensorsFile f = SafetensorsFile.open(i8)) { // an unread I8 tensor is harmless
      assertThat(f.tensors()).containsKey("x");
      assertThatThrownBy(() -> f.floats("x"))
          .hasMessageContaining("tensor x: dtype I8 is not supported");
    }

    assertThatThrownBy(() -> WeightSource.open(dir.resolve("nothing")))
        .hasMessageContaining("neither model.safetensors nor model.safetensors.index.json");
  }
}
