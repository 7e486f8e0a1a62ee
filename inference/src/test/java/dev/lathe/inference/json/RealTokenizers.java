package dev.lathe.inference.json;

import dev.lathe.testkit.SharedAssets;
import dev.lathe.tokenizer.HfTokenizer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The shared real tokenizers, loaded once per test run (tests skip when ../shared is absent). */
final class RealTokenizers {
  private RealTokenizers() {}

  /** Name to shared path: GPT-2, Llama 3, Qwen3 and TinyStories-656K. */
  static final Map<String, String> PATHS =
      Map.of(
          "gpt2", "tokenizers/gpt2-hf",
          "llama3", "tokenizers/llama3/tokenizer.json.gz",
          "qwen3", "tokenizers/qwen3/tokenizer.json.gz",
          "tinystories", "models/hf-TinyStories-656K/tokenizer.json");

  private static final Map<String, HfTokenizer> LOADED = new ConcurrentHashMap<>();

  static HfTokenizer load(String name) {
    String path = PATHS.get(name);
    return LOADED.computeIfAbsent(name, n -> HfTokenizer.load(SharedAssets.require(path)));
  }
}
