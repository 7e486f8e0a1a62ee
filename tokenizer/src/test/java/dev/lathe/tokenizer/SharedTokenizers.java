package dev.lathe.tokenizer;

import dev.lathe.testkit.SharedAssets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The shared tokenizers, each loaded once per test JVM (Llama 3 and Qwen3 take seconds to load) and
 * shared by the test classes; skips the calling test when the shared assets are absent.
 */
final class SharedTokenizers {
  private SharedTokenizers() {}

  private static final Map<String, HfTokenizer> LOADED = new ConcurrentHashMap<>();

  static HfTokenizer llama3() {
    return get("tokenizers/llama3");
  }

  static HfTokenizer qwen3() {
    return get("tokenizers/qwen3");
  }

  static HfTokenizer gpt2() {
    return get("tokenizers/gpt2-hf");
  }

  static HfTokenizer tinyStories() {
    return get("models/hf-TinyStories-656K");
  }

  private static HfTokenizer get(String relative) {
    var path = SharedAssets.require(relative);
    return LOADED.computeIfAbsent(relative, r -> HfTokenizer.load(path));
  }
}
