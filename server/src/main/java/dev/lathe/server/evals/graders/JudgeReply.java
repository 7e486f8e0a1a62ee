package dev.lathe.server.evals.graders;

/**
 * What a judge model answered.
 *
 * @param text the reply's text
 * @param promptTokens tokens of the prompt
 * @param completionTokens tokens generated
 */
public record JudgeReply(String text, long promptTokens, long completionTokens) {}
