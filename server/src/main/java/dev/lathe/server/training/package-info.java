/**
 * What a worker runs for a fine-tuning job ({@link
 * dev.lathe.server.training.FineTuningJobHandler}): the training itself (through the finetune
 * module) into the job's run directory, its events and metrics, its checkpoints and the models
 * named after them, and the result file.
 */
package dev.lathe.server.training;
