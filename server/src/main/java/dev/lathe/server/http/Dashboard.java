package dev.lathe.server.http;

import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.staticfiles.Location;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The dashboard: static pages served at {@code /} from the jar's {@code dashboard/} resources, and
 * the uPlot charting library from its WebJar under {@code /vendor/}. The pages talk only to the
 * public {@code /v1} API (and its documented {@code /v1/lathe} extensions) with the key the user
 * pasted, so nothing here needs authentication: the assets hold no data.
 *
 * <p>uPlot's version is read from the WebJar itself, so the pom is its one source of truth.
 */
public final class Dashboard {
  /** Where the uPlot WebJar keeps its files, for the version the classpath holds. */
  private static final String UPLOT_POM = "META-INF/maven/org.webjars.npm/uplot/pom.properties";

  private Dashboard() {}

  /** Serves {@code dashboard/} from the classpath at {@code /} (index.html for {@code /}). */
  public static void configure(JavalinConfig config) {
    config.staticFiles.add(
        files -> {
          files.hostedPath = "/";
          files.directory = "/dashboard";
          files.location = Location.CLASSPATH;
          files.precompress = false;
          files.headers = java.util.Map.of("Cache-Control", "no-cache");
        });
  }

  /** {@code /vendor/uplot.min.js} and {@code /vendor/uplot.min.css} from the WebJar. */
  public static void register(Javalin app) {
    String base = "META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
    app.get(
        "/vendor/uplot.min.js", ctx -> serve(ctx, base + "uPlot.iife.min.js", "text/javascript"));
    app.get("/vendor/uplot.min.css", ctx -> serve(ctx, base + "uPlot.min.css", "text/css"));
    app.get("/vendor/uplot.LICENSE", ctx -> serve(ctx, base + "../LICENSE", "text/plain"));
  }

  private static void serve(io.javalin.http.Context ctx, String resource, String type) {
    InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(normalize(resource));
    if (in == null) {
      throw new IllegalStateException("the uPlot WebJar is missing " + resource);
    }
    ctx.contentType(type + "; charset=utf-8");
    ctx.header("Cache-Control", "public, max-age=86400");
    ctx.result(in);
  }

  private static String normalize(String resource) {
    return resource.replace("dist/../", "");
  }

  static String uplotVersion() {
    try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(UPLOT_POM)) {
      if (in == null) {
        throw new IllegalStateException("the uPlot WebJar is not on the classpath");
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
