/**
 * The task suite that measures whether fine-tuning with given hyperparameters (or {@code auto})
 * teaches a small model something: synthetic chat tasks with seeded generators (a training set, a
 * validation set and held-out prompts never seen in training), a score per task on the held-out
 * prompts by greedy generation, and a runner that trains one task through {@link
 * dev.lathe.finetune.FineTuneJob}, the entry point a job uses. The benchmark grid and the tests use
 * it alike.
 */
package dev.lathe.finetune.tasks;
