package dev.lathe.dataset.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordSourceTest {

  private static List<SourceRecord> read(List<Path> inputs) throws Exception {
    List<SourceRecord> records = new ArrayList<>();
    RecordSource.of(inputs, Map.of()).read(records::add);
    return records;
  }

  @Test
  void aFolderIsWalkedInNameOrderByKindSkippingOtherFiles(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.csv"), "\uFEFFk,v\nx,\"1,5\"\n");
    Files.writeString(dir.resolve("b.jsonl"), "{\"k\": \"y\", \"tags\": [\"t\"]}\n\n");
    Files.writeString(dir.resolve("c.txt"), "  A note.\n");
    Files.writeString(dir.resolve("d.png"), "not an image");
    Files.createDirectories(dir.resolve("e"));
    Files.writeString(dir.resolve("e/f.md"), "# Title\n");

    List<SourceRecord> records = read(List.of(dir));

    assertThat(records)
        .extracting(SourceRecord::origin)
        .containsExactly(
            dir.resolve("a.csv") + " line 2",
            dir.resolve("b.jsonl") + " line 1",
            dir.resolve("c.txt").toString(),
            dir.resolve("e/f.md").toString());
    assertThat(records.get(0).fields()).isEqualTo(Map.of("k", "x", "v", "1,5"));
    assertThat(records.get(1).fields()).isEqualTo(Map.of("k", "y", "tags", List.of("t")));
    assertThat(records.get(2).fields()).containsEntry("name", "c").containsEntry("text", "A note.");
  }

  @Test
  void unreadableInputsAreRefusedWithWhereAndHow(@TempDir Path dir) throws Exception {
    Path png = Files.writeString(dir.resolve("x.png"), "");
    assertThatThrownBy(() -> read(List.of(png)))
        .hasMessageContaining("not a source the builder reads");
    assertThatThrownBy(() -> read(List.of(dir.resolve("missing.csv"))))
        .hasMessageContaining("No file or folder at");
    Path jsonl = Files.writeString(dir.resolve("r.jsonl"), "{\"a\": 1}\n[1, 2]\n");
    assertThatThrownBy(() -> read(List.of(jsonl)))
        .isInstanceOf(DatasetBuildException.class)
        .hasMessageContaining("r.jsonl line 2: not one JSON object");
    Path csv = Files.writeString(dir.resolve("wide.csv"), "a,b\n1,2,3\n");
    assertThatThrownBy(() -> read(List.of(csv)))
        .hasMessageContaining("wide.csv line 2: 3 values but the header names 2 columns");
  }
}
