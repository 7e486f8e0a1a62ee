package dev.lathe.tokenizer;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Jinja's {@code items} filter ({@code for k, v in mapping|items}), used by Llama 3.1 style
 * templates and missing from jinjava: the mapping's (key, value) pairs in order; none gives no
 * pairs.
 */
final class ItemsFilter implements Filter {

  @Override
  public String getName() {
    return "items";
  }

  @Override
  public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException(
          "|items needs a mapping, got " + value.getClass().getSimpleName());
    }
    List<List<Object>> pairs = new ArrayList<>(map.size());
    for (Map.Entry<?, ?> e : map.entrySet()) {
      pairs.add(Arrays.asList(e.getKey(), e.getValue()));
    }
    return pairs;
  }
}
