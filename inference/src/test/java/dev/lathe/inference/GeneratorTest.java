package dev.lathe.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GeneratorTest {
  private static final String CORPUS =
      "the cat sat on the mat. the dog sat on the log. a cat and a dog met on the mat.";
  private final ByteTokenizer tokenizer = new ByteTokenizer();

  private Generator generator(BigramModel model) {
    return new Generator(model, tokenizer, () -> 1234L);
  }

  /** Greedy decoding by hand: the argmax of log P(next | last). */
  private static int[] greedyByHand(BigramModel model, int last, int steps) {
    int[] out = new int[steps];
    for (int s = 0; s < steps; s++) {
      int best = 0;
      for (int v = 1; v < model.vocabularySize(); v++) {
        if (model.logProbability(last, v) > model.logProbability(last, best)) {
          best = v;
        }
      }
      out[s] = best;
      last = best;
    }
    return out;
  }

  private static final class Recorder implements GenerationListener {
    final List<String> deltas = new ArrayList<>();
    final List<Integer> tokens = new ArrayList<>();
    final List<TokenLogprob> logprobs = new ArrayList<>();

    @Override
    public void onToken(int token, TokenLogprob logprob) {
      tokens.add(token);
      logprobs.add(logprob);
    }

    @Override
    public void onText(String delta) {
      deltas.add(delta);
    }
  }

  @Test
  void prefillsOnceThenDecodesOneTokenPerForward() {
    BigramModel model = new BigramModel(CORPUS, 256);
    int[] prompt = tokenizer.prompt("the ");
    GenerationResult result =
        generator(model)
            .generate(prompt, GenerationRequest.of(SamplingParams.GREEDY).withMaxTokens(12));
    assertThat(result.tokens()).containsExactly(greedyByHand(model, ' ', 12));
    assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
    assertThat(result.promptTokens()).isEqualTo(5);
    assertThat(result.completionTokens()).isEqualTo(12);
    assertThat(result.text()).isEqualTo(tokenizer.decode(result.tokens()));
    // one prefill with the whole prompt, then one call per token but the last
    assertThat(model.forwardCalls).isEqualTo(1 + 11);
    assertThat(model.lastForwardCount).isEqualTo(1);
  }

  @Test
  void streamsTheSameTextItReturns() {
    BigramModel model = new BigramModel(CORPUS, 256);
    Recorder recorder = new Recorder();
    GenerationResult result =
        generator(model)
            .generate(
                tokenizer.prompt("a"),
                GenerationRequest.of(SamplingParams.DEFAULTS.withSeed(3)).withMaxTokens(40),
                recorder,
                () -> false);
    assertThat(String.join("", recorder.deltas)).isEqualTo(result.text());
    assertThat(recorder.tokens).hasSize(result.completionTokens());
    assertThat(recorder.logprobs).containsOnlyNulls();
  }

  @Test
  void stopsOnAStopTokenWithoutItsText() {
    // after "." the corpus ends (EOS) once and continues with " " twice: make EOS likelier
    BigramModel model = new BigramModel("ab.", 64);
    GenerationResult result =
        generator(model)
            .generate(
                tokenizer.prompt("a"),
                GenerationRequest.of(SamplingParams.GREEDY)
                    .withMaxTokens(50)
                    .withStopTokenIds(Set.of(ByteTokenizer.EOS)));
    assertThat(result.text()).isEqualTo("b.");
    assertThat(result.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(result.tokens()).endsWith(ByteTokenizer.EOS);
    assertThat(result.completionTokens()).isEqualTo(3);
  }

  @Test
  void stopStringsEndTheTextBeforeThemAcrossTokenBoundaries() {
    BigramModel model = new BigramModel(CORPUS, 512);
    GenerationRequest request =
        GenerationRequest.of(SamplingParams.DEFAULTS.withMinP(0.05).withSeed(99))
            .withMaxTokens(200);
    String free = generator(model).generate(tokenizer.prompt("the"), request).text();
    assertThat(free).contains("on t");
    Recorder recorder = new Recorder();
    GenerationResult stopped =
        generator(model)
            .generate(
                tokenizer.prompt("the"),
                request.withStop(List.of("on t", "never there")),
                recorder,
                () -> false);
    assertThat(stopped.finishReason()).isEqualTo(FinishReason.STOP);
    assertThat(stopped.text()).isEqualTo(free.substring(0, free.indexOf("on t")));
    assertThat(String.join("", recorder.deltas)).isEqualTo(stopped.text());
    // generation stopped at the token completing the match: "on t" ends at its 't'
    assertThat(tokenizer.decode(stopped.tokens()))
        .isEqualTo(free.substring(0, free.indexOf("on t") + 4));
  }

  @Test
  void endsWithLengthWhenTheContextIsFull() {
    BigramModel model = new BigramModel(CORPUS, 16);
    GenerationRequest request = GenerationRequest.of(SamplingParams.GREEDY);
    GenerationResult result = generator(model).generate(tokenizer.prompt("the cat"), request);
    // 8 prompt positions, 8 more forwarded, and one last token sampled from the 16th position
    assertThat(result.completionTokens()).isEqualTo(9);
    assertThat(result.finishReason()).isEqualTo(FinishReason.LENGTH);
    // the budget a constraint is given is exactly that
    assertThat(Generator.tokenBudget(16, 8, request.maxTokens())).isEqualTo(9);
    assertThat(Generator.tokenBudget(16, 8, 5)).isEqualTo(5);
  }

  @Test
  void streamsWholeCharactersOnly() {
    // min_p keeps to observed bigrams, which chain into valid UTF-8 only
    String corpus = "日本語 ✓ wörld 🙂 日本語 ✓ wörld 🙂";
    BigramModel model = new BigramModel(corpus, 512);
    Recorder recorder = new Recorder();
    GenerationResult result =
        generator(model)
            .generate(
                tokenizer.prompt("日"),
                GenerationRequest.of(SamplingParams.DEFAULTS.withMinP(0.05).withSeed(5))
                    .withMaxTokens(120)
                    .withStopTokenIds(Set.of(ByteTokenizer.EOS)),
                recorder,
                () -> false);
    assertThat(recorder.deltas).isNotEmpty();
    for (String delta : recorder.deltas) {
      assertThat(delta).doesNotContain("\uFFFD");
      assertThat(Character.isLowSurrogate(delta.charAt(0))).isFalse();
      assertThat(Character.isHighSurrogate(delta.charAt(delta.length() - 1))).isFalse();
    }
    assertThat(String.join("", recorder.deltas)).isEqualTo(result.text());
  }

  @Test
  void sameSeedSameTextDifferentSeedDifferentText() {
    BigramModel model = new BigramModel(CORPUS, 512);
    SamplingParams params = SamplingParams.DEFAULTS.withTemperature(1.2).withTopP(0.95);
    GenerationRequest a = GenerationRequest.of(params.withSeed(7)).withMaxTokens(80);
    GenerationRequest b = GenerationRequest.of(params.withSeed(8)).withMaxTokens(80);
    String first = generator(model).generate(tokenizer.prompt("the"), a).text();
    String again = generator(model).generate(tokenizer.prompt("the"), a).text();
    String other = generator(model).generate(tokenizer.prompt("the"), b).text();
    assertThat(again).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
  }

  @Test
  void anUnseededRequestTakesItsSeedFromTheInjectedSource() {
    BigramModel model = new BigramModel(CORPUS, 512);
    GenerationRequest unseeded = GenerationRequest.of(SamplingParams.DEFAULTS).withMaxTokens(60);
    GenerationRequest seeded =
        GenerationRequest.of(SamplingParams.DEFAULTS.withSeed(1234)).withMaxTokens(60);
    assertThat(generator(model).generate(tokenizer.prompt("a"), unseeded).text())
        .isEqualTo(generator(model).generate(tokenizer.prompt("a"), seeded).text());
  }

  @Test
  void reportsLogprobsPerToken() {
    BigramModel model = new BigramModel(CORPUS, 512);
    GenerationResult result =
        generator(model)
            .generate(
                tokenizer.prompt("the"),
                GenerationRequest.of(SamplingParams.GREEDY.withTopLogprobs(2))
                    .withMaxTokens(6)
                    .withLogprobs(true));
    assertThat(result.logprobs()).hasSize(6);
    int previous = 'e';
    int[] tokens = result.tokens();
    for (int i = 0; i < 6; i++) {
      TokenLogprob logprob = result.logprobs().get(i);
      assertThat(logprob.token()).isEqualTo(tokens[i]);
      // the bigram model's logits are already normalized log-probabilities
      assertThat(logprob.logprob())
          .isCloseTo(
              model.logProbability(previous, tokens[i]),
              org.assertj.core.api.Assertions.within(1e-4f));
      assertThat(logprob.top()).hasSize(2);
      assertThat(logprob.top().get(0).token()).isEqualTo(tokens[i]); // greedy: the best one
      previous = tokens[i];
    }
  }

  @Test
  void cancellationEndsTheGenerationCooperatively() {
    BigramModel model = new BigramModel(CORPUS, 512);
    Recorder recorder = new Recorder();
    GenerationResult result =
        generator(model)
            .generate(
                tokenizer.prompt("the"),
                GenerationRequest.of(SamplingParams.GREEDY).withMaxTokens(100),
                recorder,
                () -> recorder.tokens.size() >= 3);
    assertThat(result.finishReason()).isEqualTo(FinishReason.CANCELLED);
    assertThat(result.completionTokens()).isEqualTo(3);
  }

  @Test
  void neverChoosesIdsPastTheTokenizersVocabulary() {
    // the bigram model knows BOS/EOS (256, 257); a tokenizer that stops at 256 cannot decode them
    BigramModel model = new BigramModel("ab", 512);
    ByteTokenizer bytesOnly =
        new ByteTokenizer() {
          @Override
          public int vocabularySize() {
            return 256;
          }
        };
    GenerationResult result =
        new Generator(model, bytesOnly, () -> 1L)
            .generate(
                tokenizer.prompt("ab"),
                GenerationRequest.of(SamplingParams.GREEDY).withMaxTokens(20));
    // after "b" the corpus ends, so EOS (257) would be the greedy choice
    assertThat(model.logProbability('b', ByteTokenizer.EOS))
        .isGreaterThan(model.logProbability('b', 'a'));
    assertThat(Arrays.stream(result.tokens()).max().orElseThrow()).isLessThan(256);
  }

  @Test
  void rejectsPromptsItCannotRun() {
    BigramModel model = new BigramModel(CORPUS, 8);
    GenerationRequest request = GenerationRequest.of(SamplingParams.GREEDY);
    assertThatThrownBy(() -> generator(model).generate(new int[0], request))
        .hasMessageContaining("no tokens");
    assertThatThrownBy(() -> generator(model).generate(tokenizer.prompt("too long!"), request))
        .hasMessageContaining("10 tokens but the model's context holds 8");
    assertThatThrownBy(() -> generator(model).generate(new int[] {1, 999}, request))
        .hasMessageContaining("prompt token 1 is id 999");
  }
}
