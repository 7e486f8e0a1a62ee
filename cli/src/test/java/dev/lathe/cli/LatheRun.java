package dev.lathe.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** What one {@code lathe} invocation printed and returned, for the generate and chat tests. */
record LatheRun(int exit, String out, String err) {

  static LatheRun of(String... args) {
    CommandLine cl = Lathe.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new LatheRun(exit, out.toString(), err.toString());
  }
}
