package dev.lathe.server.evals.graders;

import java.util.List;

/**
 * A model that answers a model grader's prompt: the evals runner implements it with a served model
 * (a base model or a fine-tune) through the model registry. It throws when the model cannot answer
 * (unknown model, load failure); the grader turns that into an errored result.
 */
@FunctionalInterface
public interface Judge {
  /** Completes {@code messages} with {@code model}, sampled as {@code sampling} asks. */
  JudgeReply complete(String model, List<JudgeMessage> messages, JudgeSampling sampling);
}
