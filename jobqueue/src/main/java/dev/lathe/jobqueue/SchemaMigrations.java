package dev.lathe.jobqueue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One module's versioned schema: files {@code migrations/V<n>__<name>.sql} next to {@code anchor},
 * applied in list order by {@link JdbcMigrations} and recorded under {@code module} in the one
 * bookkeeping table, {@code schema_versions}. The job queue declares its set ({@link
 * JdbcJobStore#MIGRATIONS}); a module above it (the server) declares its own and hands both to the
 * runner, so the runner knows nothing of what the tables are for.
 *
 * @param module the name the versions are recorded under; versions count per module
 * @param anchor the class whose package holds the {@code migrations/} folder
 * @param files the migrations, in order. Add new files at the end; never edit an applied one
 * @param legacy where an earlier runner recorded this module's versions, or null: a database
 *     written before the one bookkeeping table existed is recognised by that table, whose rows are
 *     carried over (so nothing is applied twice) before the table is dropped
 */
public record SchemaMigrations(
    String module, Class<?> anchor, List<String> files, LegacyBookkeeping legacy) {

  /**
   * A bookkeeping table of an earlier runner, with the same columns ({@code version}, {@code name},
   * {@code applied_at}), and the unit its {@code applied_at} was written in.
   */
  public record LegacyBookkeeping(String table, TimeUnit appliedAtUnit) {
    public LegacyBookkeeping {
      Objects.requireNonNull(table, "table");
      Objects.requireNonNull(appliedAtUnit, "appliedAtUnit");
    }
  }

  public SchemaMigrations {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(anchor, "anchor");
    files = List.copyOf(files);
    files.forEach(SchemaMigrations::versionOf);
  }

  /** The version number of a file named {@code V<n>__<name>.sql}. */
  static int versionOf(String file) {
    int sep = file.indexOf("__");
    if (!file.startsWith("V") || sep < 2 || !file.endsWith(".sql")) {
      throw new IllegalArgumentException(
          "migration file '" + file + "' must be named V<number>__<name>.sql");
    }
    return Integer.parseInt(file.substring(1, sep));
  }

  /** The text of one of {@link #files()}. */
  String read(String file) {
    try (InputStream in = anchor.getResourceAsStream("migrations/" + file)) {
      if (in == null) {
        throw new IllegalStateException("migration " + file + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read migration " + file, e);
    }
  }
}
