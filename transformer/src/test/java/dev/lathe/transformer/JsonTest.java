package dev.lathe.transformer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void parsesNestedValuesEscapesAndNumberKinds() {
    Map<String, Object> j =
        Json.parseObject(
            "{\"a\": [1, -2.5e3, true, null], \"s\": \"x\\n\\\"\\u00e9\", \"o\": {}}", "test");
    assertThat(j.get("a")).isEqualTo(java.util.Arrays.asList(1L, -2500.0, true, null));
    assertThat(j.get("s")).isEqualTo("x\n\"é");
    assertThat(j.get("o")).isEqualTo(Map.of());
  }

  @Test
  void writeThenParseRoundTrips() {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("name", "tab\there");
    m.put("list", List.of(1L, 2.5, false));
    m.put("none", null);
    assertThat(Json.parse(Json.write(m), "round trip")).isEqualTo(m);
  }

  @Test
  void errorsSayWhereAndWhat() {
    assertThatThrownBy(() -> Json.parse("{\"a\": [1, 2}", "config.json"))
        .hasMessageContaining("config.json: invalid JSON at character 11")
        .hasMessageContaining("expected ',' or ']'");
    assertThatThrownBy(() -> Json.parseObject("[1]", "x.json"))
        .hasMessageContaining("expected a JSON object");
  }
}
