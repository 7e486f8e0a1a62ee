package dev.lathe.server.telemetry;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.InstantSource;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The JSON log format: an SLF4J provider writing each event as one JSON object on one line of
 * standard error: {@code timestamp} (ISO-8601, UTC), {@code level}, {@code logger}, {@code thread},
 * {@code message}, every logging-context entry (e.g. {@code request_id}, {@code job_id}), and for a
 * failure {@code error} (its class and message) and {@code stack} (the trace).
 *
 * <p>It is chosen, instead of the plain-text provider, by the system property {@code
 * slf4j.provider} before anything logs ({@link #select()}), and is not registered as a service, so
 * the plain format stays the default. Levels are read from the same {@code simplelogger.properties}
 * keys the plain format uses ({@code org.slf4j.simpleLogger.defaultLogLevel}, {@code
 * org.slf4j.simpleLogger.log.NAME}; resource, then system properties), one source for both formats.
 */
public final class JsonLogProvider implements SLF4JServiceProvider {
  private static final String PREFIX = "org.slf4j.simpleLogger.";
  private static final JsonFactory JSON = new JsonFactory();

  private final PrintStream out;
  private final InstantSource clock;
  private final Properties levels;
  private final MDCAdapter mdc = new BasicMDCAdapter();
  private final IMarkerFactory markers = new BasicMarkerFactory();
  private final Map<String, Logger> loggers = new ConcurrentHashMap<>();

  /** The provider SLF4J instantiates: standard error, the system clock, the configured levels. */
  public JsonLogProvider() {
    this(System.err, InstantSource.system(), configuredLevels());
  }

  /**
   * A provider writing to {@code out} at {@code clock}'s times with {@code levels} ({@code
   * simplelogger.properties} keys).
   */
  public JsonLogProvider(PrintStream out, InstantSource clock, Properties levels) {
    this.out = out;
    this.clock = clock;
    this.levels = levels;
  }

  /**
   * Makes SLF4J use this provider (and keeps SLF4J's own plain-text notice about it off standard
   * error); must run before anything in the process logs.
   */
  public static void select() {
    System.setProperty("slf4j.internal.verbosity", "WARN");
    System.setProperty("slf4j.provider", JsonLogProvider.class.getName());
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return name -> loggers.computeIfAbsent(name, JsonLogger::new);
  }

  @Override
  public IMarkerFactory getMarkerFactory() {
    return markers;
  }

  @Override
  public MDCAdapter getMDCAdapter() {
    return mdc;
  }

  @Override
  public String getRequestedApiVersion() {
    return "2.0.99";
  }

  @Override
  public void initialize() {}

  private static Properties configuredLevels() {
    Properties p = new Properties();
    try (InputStream in =
        JsonLogProvider.class.getClassLoader().getResourceAsStream("simplelogger.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // no readable level file: every logger at the default level
    }
    System.getProperties().stringPropertyNames().stream()
        .filter(k -> k.startsWith(PREFIX))
        .forEach(k -> p.setProperty(k, System.getProperty(k)));
    return p;
  }

  /** The level of {@code name}: its own or its nearest dotted ancestor's setting, else default. */
  Level threshold(String name) {
    for (String n = name;
        !n.isEmpty();
        n = n.contains(".") ? n.substring(0, n.lastIndexOf('.')) : "") {
      String level = levels.getProperty(PREFIX + "log." + n);
      if (level != null) {
        return parse(level);
      }
    }
    return parse(levels.getProperty(PREFIX + "defaultLogLevel", "info"));
  }

  private static Level parse(String level) {
    String l = level.strip().toUpperCase(java.util.Locale.ROOT);
    return l.equals("OFF") ? null : Level.valueOf(l);
  }

  /** One logger: a level threshold and the JSON line writer. */
  private final class JsonLogger extends LegacyAbstractLogger {
    private final Level threshold;

    JsonLogger(String name) {
      this.name = name;
      this.threshold = threshold(name);
    }

    private boolean enabled(Level level) {
      return threshold != null && level.toInt() >= threshold.toInt();
    }

    @Override
    public boolean isTraceEnabled() {
      return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
      return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
      return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
      return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
      return enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
        Level level, Marker marker, String pattern, Object[] args, Throwable error) {
      String line = line(level, MessageFormatter.basicArrayFormat(pattern, args), error);
      synchronized (out) {
        out.println(line);
        out.flush();
      }
    }

    private String line(Level level, String message, Throwable error) {
      StringWriter text = new StringWriter();
      try (JsonGenerator g = JSON.createGenerator(text)) {
        g.writeStartObject();
        g.writeStringField("timestamp", clock.instant().toString());
        g.writeStringField("level", level.name());
        g.writeStringField("logger", name);
        g.writeStringField("thread", Thread.currentThread().getName());
        g.writeStringField("message", message);
        Map<String, String> context = mdc.getCopyOfContextMap();
        if (context != null) {
          for (var e : new java.util.TreeMap<>(context).entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
          }
        }
        if (error != null) {
          g.writeStringField("error", error.toString());
          StringWriter stack = new StringWriter();
          error.printStackTrace(new PrintWriter(stack));
          g.writeStringField("stack", stack.toString());
        }
        g.writeEndObject();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return text.toString();
    }
  }
}
