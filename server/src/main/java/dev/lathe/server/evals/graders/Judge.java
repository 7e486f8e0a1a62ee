package dev.lathe.server.evals.graders;

import java.util.List;

@FunctionalInterface
public interface Judge {
  JudgeReply complete(String model, List<JudgeMessage> messages, JudgeSampling sampling);
}
