package dev.lathe.cli;

import dev.lathe.inference.GenerationRequest;
import dev.lathe.inference.SamplingParams;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import picocli.CommandLine.Option;

/** The decoding options {@code generate} and {@code chat} share, with OpenAI's names and ranges. */
final class SamplingOptions {

  @Option(
      names = "--max-tokens",
      paramLabel = "N",
      defaultValue = "256",
      description = "Most tokens to generate (default ${DEFAULT-VALUE}).")
  int maxTokens;

  @Option(
      names = "--temperature",
      paramLabel = "T",
      defaultValue = "1.0",
      description = "0 (greedy) to 2 (default ${DEFAULT-VALUE}).")
  double temperature;

  @Option(
      names = "--top-p",
      paramLabel = "P",
      defaultValue = "1.0",
      description = "Nucleus mass, (0, 1] (default ${DEFAULT-VALUE}: off).")
  double topP;

  @Option(
      names = "--top-k",
      paramLabel = "K",
      defaultValue = "0",
      description = "Keep the K most likely tokens (default ${DEFAULT-VALUE}: off).")
  int topK;

  @Option(
      names = "--min-p",
      paramLabel = "P",
      defaultValue = "0",
      description = "Drop tokens below P times the best one's probability (default: off).")
  double minP;

  @Option(
      names = "--frequency-penalty",
      paramLabel = "F",
      defaultValue = "0",
      description = "-2 to 2: lower a token's logit by F per earlier use (default: 0).")
  double frequencyPenalty;

  @Option(
      names = "--presence-penalty",
      paramLabel = "F",
      defaultValue = "0",
      description = "-2 to 2: lower the logit of every token already used by F (default: 0).")
  double presencePenalty;

  @Option(
      names = "--seed",
      paramLabel = "S",
      description = "Same seed, same text (default: a fresh random seed).")
  Long seed;

  @Option(names = "--stop", paramLabel = "STR", description = "Stop before this text (repeatable).")
  List<String> stop = new ArrayList<>();

  /** The request these options describe; invalid values fail with the option's OpenAI name. */
  GenerationRequest request(Set<Integer> stopTokenIds, List<String> extraStops, Integer logprobs) {
    return request(stopTokenIds, extraStops, logprobs, 0);
  }

  /** As {@link #request(Set, List, Integer)}, with {@code --seed} advanced by {@code offset}. */
  GenerationRequest request(
      Set<Integer> stopTokenIds, List<String> extraStops, Integer logprobs, long offset) {
    int topLogprobs = logprobs == null ? 0 : logprobs;
    SamplingParams sampling =
        new SamplingParams(
            temperature,
            topP,
            topK,
            minP,
            frequencyPenalty,
            presencePenalty,
            seed == null ? OptionalLong.empty() : OptionalLong.of(seed + offset),
            topLogprobs);
    List<String> stops = new ArrayList<>(stop);
    stops.addAll(extraStops);
    return new GenerationRequest(sampling, maxTokens, stops, stopTokenIds, logprobs != null);
  }
}
