package dev.lathe.cli;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/** What one {@code lathe} invocation printed and returned, for the command tests. */
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

  /** {@code lathe ARGS} reading {@code stdin} as its standard input. */
  static LatheRun withInput(String stdin, String... args) {
    InputStream saved = System.in;
    System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
    try {
      return of(args);
    } finally {
      System.setIn(saved);
    }
  }

  /** The command line of {@code lathe ARGS} in its own JVM, with this test's class path. */
  static List<String> inOwnJvm(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules",
                "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Lathe.class.getName()));
    command.addAll(List.of(args));
    return command;
  }
}
