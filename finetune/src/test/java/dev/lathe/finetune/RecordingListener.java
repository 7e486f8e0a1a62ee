package dev.lathe.finetune;

import java.util.ArrayList;
import java.util.List;

/** A listener that keeps every step's metrics and every message, in order, for a test to read. */
final class RecordingListener implements TrainingListener {
  final List<StepMetrics> steps;
  final List<String> messages;

  /** Records into new lists. */
  RecordingListener() {
    this(new ArrayList<>(), new ArrayList<>());
  }

  /** Records into the caller's lists. */
  RecordingListener(List<StepMetrics> steps, List<String> messages) {
    this.steps = steps;
    this.messages = messages;
  }

  @Override
  public void onStep(StepMetrics m) {
    steps.add(m);
  }

  @Override
  public void onMessage(String message) {
    messages.add(message);
  }
}
