/**
 * Lathe's extensions that show what a job would do before it is created: the estimate ({@code
 * /v1/lathe/estimate}: tokens, steps, time from measured throughput) and the masking preview
 * ({@code /v1/lathe/masking_preview}: one example as training renders and masks it).
 */
package dev.lathe.server.preview;
