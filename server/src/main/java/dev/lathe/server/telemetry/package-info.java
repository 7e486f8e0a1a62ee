/**
 * What operators watch a Lathe process by: its Prometheus metrics ({@link
 * dev.lathe.server.telemetry.ServerMetrics}, recorded by the HTTP server, the workers and the
 * completions), the {@code /metrics} endpoint and the liveness and readiness probes ({@link
 * dev.lathe.server.telemetry.TelemetryRoutes}, {@link dev.lathe.server.telemetry.Readiness}), and
 * the JSON log format ({@link dev.lathe.server.telemetry.JsonLogProvider}). Depends only on {@link
 * dev.lathe.server.http}.
 */
package dev.lathe.server.telemetry;
