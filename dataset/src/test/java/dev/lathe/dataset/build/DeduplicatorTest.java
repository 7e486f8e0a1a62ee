package dev.lathe.dataset.build;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class DeduplicatorTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode chat(String user, String assistant) {
    return JSON.createObjectNode()
        .set(
            "messages",
            JSON.createArrayNode()
                .add(JSON.createObjectNode().put("role", "user").put("content", user))
                .add(JSON.createObjectNode().put("role", "assistant").put("content", assistant)));
  }

  @Test
  void normalisedTextFoldsCaseWidthPunctuationAndSpaces() {
    assertThat(Deduplicator.normalise(chat("Ｈｅｌｌｏ,  World!", "  Fine -- thanks.")))
        .isEqualTo("user hello world assistant fine thanks");
  }

  @Test
  void nearDuplicatesAreFoundInTextWithoutSpacesAndDistinctTextsAreKept() {
    Deduplicator dedupe = new Deduplicator(0.8);
    String monJam =
        "ม่อนแจ่มเป็นจุดชมวิวบนดอยในอำเภอแม่ริม จังหวัดเชียงใหม่ มีทะเลหมอกในฤดูหนาวและแปลงดอกไม้";
    assertThat(dedupe.check(chat("ม่อนแจ่ม", monJam))).isEqualTo(Deduplicator.Verdict.KEPT);
    assertThat(dedupe.check(chat("ม่อนแจ่ม", monJam + "ค่ะ")))
        .isEqualTo(Deduplicator.Verdict.NEAR_DUPLICATE);
    assertThat(
            dedupe.check(
                chat(
                    "วัดพระธาตุดอยสุเทพ", "วัดพระธาตุดอยสุเทพตั้งอยู่บนดอยสุเทพ มีบันได 306 ขั้น")))
        .isEqualTo(Deduplicator.Verdict.KEPT);
    assertThat(dedupe.check(chat("ม่อนแจ่ม!", monJam)))
        .isEqualTo(Deduplicator.Verdict.EXACT_DUPLICATE);
  }

  @Test
  void withoutAThresholdOnlyExactDuplicatesAreDropped() {
    Deduplicator dedupe = new Deduplicator(0);
    assertThat(dedupe.check(chat("a question", "an answer here")))
        .isEqualTo(Deduplicator.Verdict.KEPT);
    assertThat(dedupe.check(chat("a question", "an answer here!")))
        .isEqualTo(Deduplicator.Verdict.EXACT_DUPLICATE);
    assertThat(dedupe.check(chat("a question", "an answer here, too")))
        .isEqualTo(Deduplicator.Verdict.KEPT);
  }
}
