package dev.lathe.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.lathe.testkit.SharedAssets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingEstimateTest {

  @Test
  void autoEpochsFollowTheCookbookRule() {
    assertThat(TrainingEstimate.autoEpochs(1)).isEqualTo(25); // min(25, 100)
    assertThat(TrainingEstimate.autoEpochs(5)).isEqualTo(20); // the toy file
    assertThat(TrainingEstimate.autoEpochs(10)).isEqualTo(10); // observed on the API
    assertThat(TrainingEstimate.autoEpochs(33)).isEqualTo(3); // 99 < 100: 100 / 33 = 3
    assertThat(TrainingEstimate.autoEpochs(34)).isEqualTo(3); // 102 >= 100
    assertThat(TrainingEstimate.autoEpochs(100)).isEqualTo(3); // observed on the API
    assertThat(TrainingEstimate.autoEpochs(8_333)).isEqualTo(3); // 24,999
    assertThat(TrainingEstimate.autoEpochs(8_334)).isEqualTo(2); // 25,002 > 25,000
    assertThat(TrainingEstimate.autoEpochs(30_000)).isEqualTo(1);
  }

  @Test
  void chargedTokensAreBilledTimesEpochs() {
    TrainingEstimate e = TrainingEstimate.of(5, 16_385, 8242);
    assertThat(e.epochs()).isEqualTo(20);
    assertThat(e.chargedTokens()).isEqualTo(164_840);
  }

  @Test
  void tokenLimitsComeFromTheGuideTable() {
    assertThat(TrainingTokenLimits.forModel("gpt-4o-mini").maxTokens()).isEqualTo(65_536);
    assertThat(TrainingTokenLimits.forModel("ft:gpt-4o-2024-08-06:acme::x").maxTokens())
        .isEqualTo(65_536);
    assertThat(TrainingTokenLimits.forModel("gpt-3.5-turbo-0613").maxTokens()).isEqualTo(4_096);
    assertThat(TrainingTokenLimits.forModel("gpt-3.5-turbo").maxTokens()).isEqualTo(16_385);
    TrainingTokenLimits.Limit unknown = TrainingTokenLimits.forModel("gpt-4.1-mini");
    assertThat(unknown.maxTokens()).isEqualTo(TrainingTokenLimits.COOKBOOK_DEFAULT);
    assertThat(unknown.published()).isFalse();
  }

  @Test
  void localModelLimitIsItsConfiguredContext(@TempDir Path dir) throws IOException {
    Path model = SharedAssets.require("models/hf-TinyStories-656K");
    assertThat(TrainingTokenLimits.forLocalModel(model).maxTokens()).isEqualTo(512);
    assertThat(TrainingTokenLimits.forLocalModel(model.resolve("tokenizer.json")).published())
        .isTrue();
    Files.writeString(dir.resolve("config.json"), "{\"n_positions\": 1024}");
    assertThat(TrainingTokenLimits.forLocalModel(dir).maxTokens()).isEqualTo(1024);
    Files.writeString(dir.resolve("config.json"), "{}");
    TrainingTokenLimits.Limit none = TrainingTokenLimits.forLocalModel(dir);
    assertThat(none.maxTokens()).isEqualTo(TrainingTokenLimits.COOKBOOK_DEFAULT);
    assertThat(none.published()).isFalse();
  }

  @Test
  void costTablePricesSnapshotsAliasesAndFineTunedModels() {
    TrainingCostTable table = TrainingCostTable.builtIn();
    assertThat(table.currency()).isEqualTo("USD");
    // The guide's worked example: 100,000 tokens x 3 epochs ~ $0.90 (gpt-4o-mini), ~ $2.40
    // (gpt-3.5-turbo-0125).
    assertThat(table.estimate("gpt-4o-mini-2024-07-18", 300_000).orElseThrow().usd())
        .isEqualTo(0.9, within(1e-9));
    assertThat(table.estimate("gpt-3.5-turbo-0125", 300_000).orElseThrow().usd())
        .isEqualTo(2.4, within(1e-9));
    assertThat(table.find("gpt-4o-mini")).isEqualTo(table.find("ft:gpt-4o-mini-2024-07-18:o::i"));
    assertThat(table.find("babbage-002").orElseThrow().usdPerMillionTokens()).isEqualTo(0.40);
    assertThat(table.find("gpt-4-0613")).isEmpty();
    CostEstimate local = CostEstimate.local("HuggingFaceTB/SmolLM2-135M", 1000);
    assertThat(local.usd()).isZero();
    assertThat(local.basis()).contains("local");
  }
}
