package dev.lathe.transformer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A model's {@code generation_config.json}: its default decoding settings. Absent fields are null
 * (or empty for the EOS list).
 *
 * @param bosTokenId beginning-of-sequence id
 * @param eosTokenIds end-of-sequence ids (the file allows one or a list)
 * @param padTokenId padding id
 * @param doSample whether sampling is the default
 * @param temperature default temperature
 * @param topP default nucleus mass
 * @param topK default top-k
 * @param repetitionPenalty default repetition penalty
 * @param maxNewTokens default generation length
 */
public record GenerationConfig(
    Integer bosTokenId,
    List<Integer> eosTokenIds,
    Integer padTokenId,
    Boolean doSample,
    Double temperature,
    Double topP,
    Integer topK,
    Double repetitionPenalty,
    Integer maxNewTokens) {

  /** No defaults at all. */
  public static final GenerationConfig EMPTY =
      new GenerationConfig(null, List.of(), null, null, null, null, null, null, null);

  public GenerationConfig {
    eosTokenIds = List.copyOf(eosTokenIds);
  }

  /** Reads {@code file}, or returns {@link #EMPTY} when it does not exist. */
  public static GenerationConfig read(Path file) throws IOException {
    if (!Files.exists(file)) {
      return EMPTY;
    }
    Map<String, Object> j = Json.parseObject(Files.readString(file), file.toString());
    Object eos = j.get("eos_token_id");
    List<Integer> eosIds =
        switch (eos) {
          case null -> List.of();
          case Number n -> List.of(n.intValue());
          case List<?> l -> l.stream().map(o -> ((Number) o).intValue()).toList();
          default ->
              throw new IOException(file + ": eos_token_id must be a number or a list of numbers");
        };
    return new GenerationConfig(
        integer(j.get("bos_token_id")),
        eosIds,
        integer(j.get("pad_token_id")),
        j.get("do_sample") instanceof Boolean b ? b : null,
        real(j.get("temperature")),
        real(j.get("top_p")),
        integer(j.get("top_k")),
        real(j.get("repetition_penalty")),
        integer(j.get("max_new_tokens")));
  }

  private static Integer integer(Object o) {
    return o instanceof Number n ? n.intValue() : null;
  }

  private static Double real(Object o) {
    return o instanceof Number n ? n.doubleValue() : null;
  }
}
