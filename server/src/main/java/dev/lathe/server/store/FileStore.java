package dev.lathe.server.store;

import dev.lathe.server.http.Caller;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code files} table: insert, look up, page and delete file metadata. {@code created_at} is
 * epoch milliseconds, like every time column of the schema.
 */
public final class FileStore {
  private static final String COLUMNS =
      "id, project, bytes, created_at, filename, purpose, status, sha256, storage_name, validation";
  private final DataSource dataSource;

  public FileStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public void insert(StoredFile f) {
    String sql =
        "INSERT INTO files ("
            + COLUMNS
            + ", seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            + " (SELECT COALESCE(MAX(seq), 0) + 1 FROM files))";
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, f.id());
      ps.setString(2, f.project());
      ps.setLong(3, f.bytes());
      ps.setLong(4, f.createdAt().toEpochMilli());
      ps.setString(5, f.filename());
      ps.setString(6, f.purpose());
      ps.setString(7, f.status());
      ps.setString(8, f.sha256());
      ps.setString(9, f.storageName());
      ps.setString(10, f.validation());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot record file " + f.id(), e);
    }
  }

  /** The file if it exists and {@code caller} may see it. */
  public Optional<StoredFile> find(String id, Caller caller) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement("SELECT " + COLUMNS + " FROM files WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        StoredFile f = read(rs);
        return caller.sees(f.project()) ? Optional.of(f) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read file " + id, e);
    }
  }

  /**
   * One page of the caller's files (all files for an admin), newest first unless {@code ascending};
   * {@code after} is the id of the previous page's last file (it must be visible).
   */
  public List<StoredFile> list(
      Caller caller, String purpose, boolean ascending, StoredFile after, int limit) {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM files WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    if (!caller.admin()) {
      sql.append(" AND project = ?");
      args.add(caller.project());
    }
    if (purpose != null) {
      sql.append(" AND purpose = ?");
      args.add(purpose);
    }
    if (after != null) {
      sql.append(ascending ? " AND seq > " : " AND seq < ")
          .append("(SELECT seq FROM files WHERE id = ?)");
      args.add(after.id());
    }
    sql.append(" ORDER BY seq ").append(ascending ? "ASC" : "DESC").append(" LIMIT ?");
    args.add(limit);
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(sql.toString())) {
      for (int i = 0; i < args.size(); i++) {
        ps.setObject(i + 1, args.get(i));
      }
      List<StoredFile> out = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(read(rs));
        }
      }
      return out;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot list files", e);
    }
  }

  /** The bytes of every project's files. */
  public long totalBytes() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(bytes), 0) FROM files");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot sum the files' bytes", e);
    }
  }

  /** Deletes the row; returns whether it existed. */
  public boolean delete(String id) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("DELETE FROM files WHERE id = ?")) {
      ps.setString(1, id);
      return ps.executeUpdate() > 0;
    } catch (SQLException e) {
      throw new IllegalStateException("cannot delete file " + id, e);
    }
  }

  private static StoredFile read(ResultSet rs) throws SQLException {
    return new StoredFile(
        rs.getString(1),
        rs.getString(2),
        rs.getLong(3),
        Instant.ofEpochMilli(rs.getLong(4)),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        rs.getString(8),
        rs.getString(9),
        rs.getString(10));
  }
}
