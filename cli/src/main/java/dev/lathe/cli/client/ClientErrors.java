package dev.lathe.cli.client;

import com.openai.errors.OpenAIInvalidDataException;
import com.openai.errors.OpenAIIoException;
import com.openai.errors.OpenAIServiceException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;

/**
 * The one translation of what can go wrong in a client command into a line for the user and an
 * {@link ExitCodes exit code}: the server's own error message (never a stack trace), an endpoint
 * that cannot be reached, or a bad call.
 */
public final class ClientErrors {
  private ClientErrors() {}

  /** Prints {@code e} as {@code "lathe COMMAND: ..."} on {@code err}; returns its exit code. */
  public static int report(String command, String baseUrl, Throwable e, PrintWriter err) {
    Outcome outcome = outcome(baseUrl, e);
    err.println("lathe " + command + ": " + outcome.message());
    err.flush();
    return outcome.exitCode();
  }

  /** A message and its exit code. */
  record Outcome(String message, int exitCode) {}

  static Outcome outcome(String baseUrl, Throwable e) {
    if (e instanceof UsageException) {
      return new Outcome(e.getMessage(), ExitCodes.USAGE);
    }
    if (e instanceof OpenAIServiceException s) {
      return new Outcome(serverMessage(s), ExitCodes.API_ERROR);
    }
    if (e instanceof OpenAIInvalidDataException) {
      return new Outcome(
          "the answer from "
              + baseUrl
              + " is not in OpenAI's shape ("
              + e.getMessage()
              + "); is --base-url an OpenAI-compatible API, ending in /v1?",
          ExitCodes.API_ERROR);
    }
    Throwable network = networkCause(e);
    if (network != null || e instanceof OpenAIIoException) {
      return new Outcome(
          "cannot reach "
              + baseUrl
              + ": "
              + describe(network != null ? network : e)
              + ". Is the server running? Set --base-url or OPENAI_BASE_URL.",
          ExitCodes.UNREACHABLE);
    }
    if (e instanceof UncheckedIOException || e instanceof IOException) {
      return new Outcome(e.getMessage(), ExitCodes.USAGE);
    }
    return new Outcome(String.valueOf(e.getMessage()), ExitCodes.API_ERROR);
  }

  /** The server's status and message, with the envelope's param and code when it sent them. */
  static String serverMessage(OpenAIServiceException s) {
    String message = s.getMessage() == null ? "" : s.getMessage().strip();
    // the SDK prefixes the status ("404: ..."); say it once, in words
    message = message.replaceFirst("^" + s.statusCode() + ":\\s*", "");
    StringBuilder line = new StringBuilder("the server answered " + s.statusCode() + ": ");
    line.append(message.isEmpty() ? "(no message)" : message);
    s.param().ifPresent(p -> line.append(" (param: ").append(p).append(')'));
    s.code().ifPresent(c -> line.append(" [").append(c).append(']'));
    return line.toString();
  }

  private static Throwable networkCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof UnknownHostException
          || t instanceof NoRouteToHostException
          || t instanceof InterruptedIOException) {
        return t;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return null;
  }

  private static String describe(Throwable t) {
    if (t instanceof UnknownHostException) {
      return "unknown host " + t.getMessage();
    }
    if (t instanceof InterruptedIOException) {
      return "no answer in time (" + t.getMessage() + "); raise --timeout if the server is busy";
    }
    if (t instanceof ConnectException) {
      return "connection refused";
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
