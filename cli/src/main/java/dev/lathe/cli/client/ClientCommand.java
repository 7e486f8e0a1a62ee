package dev.lathe.cli.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.openai.client.OpenAIClient;
import com.openai.core.ObjectMappers;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * One client subcommand: opens a client on the {@link Connection}, runs, and turns any failure into
 * a message and an exit code through {@link ClientErrors}. Subclasses implement {@link
 * #run(OpenAIClient)} and print with {@link #out()}, {@link #err()} and {@link #json(Object)}.
 */
public abstract class ClientCommand implements Callable<Integer> {

  @Spec protected CommandSpec spec;

  @Mixin protected Connection connection;

  @Option(names = "--json", description = "Print OpenAI's JSON objects (one per line) for scripts.")
  protected boolean json;

  /** Runs against the endpoint; returns the exit code. */
  protected abstract int run(OpenAIClient client) throws Exception;

  @Override
  public final Integer call() {
    OpenAIClient client = null;
    try {
      client = connection.client();
      return run(client);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      return ClientErrors.report(name(), connection.baseUrl(), e, err());
    } finally {
      if (client != null) {
        client.close();
      }
    }
  }

  /** The command's name as typed, e.g. {@code files upload}. */
  protected final String name() {
    String qualified = spec.qualifiedName(" ");
    return qualified.startsWith("lathe ") ? qualified.substring(6) : qualified;
  }

  protected final PrintWriter out() {
    return spec.commandLine().getOut();
  }

  protected final PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** Whether stdout is a terminal, where progress and loss lines are redrawn in place. */
  protected static boolean terminal() {
    java.io.Console console = System.console();
    return console != null && console.isTerminal();
  }

  /** Prints {@code item} as JSON with --json, else as {@code human} says. */
  protected final <T> void print(T item, java.util.function.Function<T, String> human) {
    if (json) {
      json(item);
    } else {
      out().println(human.apply(item));
      out().flush();
    }
  }

  /** Prints an SDK object (or any Jackson-serializable value) as one line of compact JSON. */
  protected final void json(Object value) {
    out().println(toJson(value));
    out().flush();
  }

  /** An SDK object as compact JSON, exactly the fields the server sent. */
  public static String toJson(Object value) {
    try {
      return ObjectMappers.jsonMapper().writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + value.getClass().getSimpleName(), e);
    }
  }
}
