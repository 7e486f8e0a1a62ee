package dev.lathe.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates the project's shared assets (real models, tokenizers, datasets) that live beside the
 * repository in {@code ../shared}. Tests that need them call {@link #require(String)}: when the
 * directory is absent (a user's fresh clone) the test is skipped and the reason printed; CI always
 * has it.
 */
public final class SharedAssets {
  private SharedAssets() {}

  /** The shared directory: system property {@code lathe.shared}, else {@code ../shared}. */
  public static Path root() {
    String configured = System.getProperty("lathe.shared");
    Path candidate = configured != null ? Path.of(configured) : Path.of("..", "shared");
    if (!Files.isDirectory(candidate)) {
      // Tests run with the module directory as working directory: try one more level up.
      Path up = Path.of("..", "..", "shared");
      if (Files.isDirectory(up)) {
        candidate = up;
      }
    }
    return candidate.toAbsolutePath().normalize();
  }

  /** Whether {@code relative} exists under the shared directory. */
  public static boolean available(String relative) {
    return Files.exists(root().resolve(relative));
  }

  /**
   * Returns the path of {@code relative} under the shared directory, or skips the calling test
   * (printing why) when it is not there.
   */
  public static Path require(String relative) {
    Path path = root().resolve(relative);
    if (!Files.exists(path)) {
      String why =
          "skipped: shared asset " + path + " is absent (../shared is not beside this clone)";
      System.out.println(why);
      Assumptions.abort(why);
    }
    return path;
  }
}
