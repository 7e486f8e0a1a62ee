package dev.lathe.finetune;

import dev.lathe.dataset.DatasetFormat;
import dev.lathe.dataset.DatasetValidator;
import dev.lathe.transformer.train.TrainableModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a fine-tuning job optimizes, OpenAI's {@code method.type}: {@link Supervised} (SFT on chat
 * or prompt/completion files) or {@link Dpo} (direct preference optimization on preference files).
 * A {@link FineTuneJob} runs either: the method decides how the files are rendered, which formats
 * it accepts, the LoRA dropout and the objective; everything else (validation, hyperparameters,
 * checkpoints, resume, exports) is shared.
 *
 * @param <E> the rendered example type
 */
public sealed interface FineTuneMethod<E> permits FineTuneMethod.Supervised, FineTuneMethod.Dpo {

  /** Supervised fine-tuning. */
  FineTuneMethod<TrainingExample> SUPERVISED = new Supervised();

  /** DPO with {@code beta} (in (0, 2]). */
  static FineTuneMethod<PreferenceExample> dpo(double beta) {
    return new Dpo(new DpoLoss(beta));
  }

  /** OpenAI's name: {@code supervised} or {@code dpo}. */
  String type();

  /** Validates and renders {@code file}. */
  TrainingData.Rendered<E> load(Path file, DatasetValidator validator, ExampleRenderer renderer)
      throws IOException;

  /**
   * Refuses a valid file of a format this method cannot train on, with OpenAI's wording.
   *
   * @throws WrongFormatException naming the file, its format and the method
   */
  void requireFormat(Path file, DatasetFormat format);

  /** LoRA dropout: 0.05 for SFT; 0 for DPO, whose two passes per step must see the same policy. */
  double loraDropout();

  /** The plan of a run over {@code train}. */
  TrainingPlan plan(Hyperparameters h, List<E> train, int loraRank);

  /**
   * The objective of a run over {@code train} and {@code valid}, on {@code model} as it is before
   * the first step (for DPO this is when the reference log-probabilities are taken, or read back
   * from the {@code run}'s {@link RunLayout#referenceLogProbs()} when resuming).
   */
  Objective<E> objective(
      TrainableModel model,
      boolean lora,
      List<E> train,
      List<E> valid,
      MicroBatcher batcher,
      RunLayout run,
      TrainingListener listener)
      throws IOException;

  /** Supervised fine-tuning: the mean cross-entropy of the trained tokens. */
  record Supervised() implements FineTuneMethod<TrainingExample> {

    @Override
    public String type() {
      return "supervised";
    }

    @Override
    public TrainingData.Rendered<TrainingExample> load(
        Path file, DatasetValidator validator, ExampleRenderer renderer) throws IOException {
      return TrainingData.render(file, validator, renderer);
    }

    @Override
    public void requireFormat(Path file, DatasetFormat format) {
      if (format == DatasetFormat.PREFERENCE) {
        throw new WrongFormatException(file.getFileName().toString(), format, type());
      }
    }

    @Override
    public double loraDropout() {
      return 0.05;
    }

    @Override
    public TrainingPlan plan(Hyperparameters h, List<TrainingExample> train, int loraRank) {
      return TrainingPlan.of(h, train, loraRank);
    }

    @Override
    public Objective<TrainingExample> objective(
        TrainableModel model,
        boolean lora,
        List<TrainingExample> train,
        List<TrainingExample> valid,
        MicroBatcher batcher,
        RunLayout run,
        TrainingListener listener) {
      return new SupervisedObjective(batcher);
    }
  }

  /**
   * DPO: pairs of the preference format; the reference is the model before training (adapters off
   * for LoRA: one copy of the weights), its log-probabilities computed once and stored in the run's
   * {@link RunLayout#referenceLogProbs()} so a resumed run uses exactly the same numbers.
   *
   * @param loss the per-pair loss with its beta
   */
  record Dpo(DpoLoss loss) implements FineTuneMethod<PreferenceExample> {

    @Override
    public String type() {
      return "dpo";
    }

    @Override
    public TrainingData.Rendered<PreferenceExample> load(
        Path file, DatasetValidator validator, ExampleRenderer renderer) throws IOException {
      return PreferenceData.render(file, validator, renderer);
    }

    @Override
    public void requireFormat(Path file, DatasetFormat format) {
      if (format != DatasetFormat.PREFERENCE) {
        throw new WrongFormatException(file.getFileName().toString(), format, type());
      }
    }

    @Override
    public double loraDropout() {
      return 0.0;
    }

    @Override
    public TrainingPlan plan(Hyperparameters h, List<PreferenceExample> train, int loraRank) {
      long tokens = 0;
      for (PreferenceExample e : train) {
        tokens += e.chosen().trainedTokens() + e.rejected().trainedTokens();
      }
      return new TrainingPlan(h, train.size(), tokens, loraRank);
    }

    @Override
    public Objective<PreferenceExample> objective(
        TrainableModel model,
        boolean lora,
        List<PreferenceExample> train,
        List<PreferenceExample> valid,
        MicroBatcher batcher,
        RunLayout run,
        TrainingListener listener)
        throws IOException {
      List<PreferenceExample> all = new ArrayList<>(train);
      all.addAll(valid);
      Path file = run.referenceLogProbs();
      ReferenceLogProbs reference;
      if (Files.isRegularFile(file)) {
        reference = ReferenceLogProbs.read(file, all);
        listener.onMessage("reference log-probabilities read from " + file);
      } else {
        reference = ReferenceLogProbs.compute(model, lora, all, batcher);
        reference.write(file, all);
        listener.onMessage(
            "reference log-probabilities of "
                + all.size()
                + " pairs computed ("
                + (lora ? "adapters off" : "initial weights")
                + ")");
      }
      return new DpoObjective(loss, batcher, reference);
    }
  }
}
