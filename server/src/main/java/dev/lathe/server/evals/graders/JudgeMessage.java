package dev.lathe.server.evals.graders;

/**
 * One chat message sent to a judge model, its templates already rendered.
 *
 * @param role {@code system}, {@code developer}, {@code user} or {@code assistant}
 * @param content the message text
 */
public record JudgeMessage(String role, String content) {}
