package dev.lathe.server.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lathe.server.http.Caller;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The {@code chat_completions} table and its metadata pairs: stored chat completions, each owned by
 * a project. Pages follow the order they were stored in ({@code seq}, drawn from a counter row
 * under its lock, so concurrent inserts never share one); a metadata filter is one {@code EXISTS}
 * per pair, the same SQL on SQLite and PostgreSQL. Writes that touch both tables are one
 * transaction.
 */
public final class StoredCompletions {
  private static final String COLUMNS = "id, project, model, created_at, request, response";

  /**
   * Which completions a listing returns; every given condition must hold.
   *
   * @param model the model name asked for, or null for any
   * @param metadata pairs the completion's metadata must all contain (empty: any)
   * @param createdAfter only those created at or after this, or null
   * @param createdBefore only those created before this, or null
   */
  public record Filter(
      String model, Map<String, String> metadata, Instant createdAfter, Instant createdBefore) {

    /** Every completion the caller sees. */
    public static final Filter ALL = new Filter(null, Map.of(), null, null);

    public Filter {
      metadata = Map.copyOf(metadata);
    }
  }

  private final DataSource dataSource;
  private final ObjectMapper json;

  public StoredCompletions(DataSource dataSource, ObjectMapper json) {
    this.dataSource = dataSource;
    this.json = json;
  }

  /** Stores {@code c} after every completion stored before it. */
  public void insert(StoredCompletion c) {
    inTransaction(
        "store chat completion " + c.id(),
        connection -> {
          long seq;
          try (PreparedStatement ps =
                  connection.prepareStatement(
                      "UPDATE server_counters SET value = value + 1"
                          + " WHERE name = 'chat_completions' RETURNING value");
              ResultSet rs = ps.executeQuery()) {
            rs.next();
            seq = rs.getLong(1);
          }
          try (PreparedStatement ps =
              connection.prepareStatement(
                  "INSERT INTO chat_completions ("
                      + COLUMNS
                      + ", seq) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, c.id());
            ps.setString(2, c.project());
            ps.setString(3, c.model());
            ps.setLong(4, c.created().toEpochMilli());
            ps.setString(5, json.writeValueAsString(c.request()));
            ps.setString(6, json.writeValueAsString(c.response()));
            ps.setLong(7, seq);
            ps.executeUpdate();
          }
          writeMetadata(connection, c.id(), c.metadata());
          return null;
        });
  }

  /** The completion if it exists and {@code caller} may see it. */
  public Optional<StoredCompletion> find(String id, Caller caller) {
    return query("SELECT " + COLUMNS + " FROM chat_completions WHERE id = ?", List.of(id)).stream()
        .filter(c -> caller.sees(c.project()))
        .findFirst();
  }

  /**
   * One page of the completions {@code caller} sees (every project's for an admin) that pass {@code
   * filter}, oldest first when {@code ascending}; {@code after} is the previous page's last one.
   */
  public List<StoredCompletion> list(
      Caller caller, Filter filter, boolean ascending, StoredCompletion after, int limit) {
    StringBuilder sql =
        new StringBuilder("SELECT " + COLUMNS + " FROM chat_completions c WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    if (!caller.admin()) {
      sql.append(" AND project = ?");
      args.add(caller.project());
    }
    if (filter.model() != null) {
      sql.append(" AND model = ?");
      args.add(filter.model());
    }
    for (Map.Entry<String, String> pair : filter.metadata().entrySet()) {
      sql.append(
          " AND EXISTS (SELECT 1 FROM chat_completion_metadata m WHERE m.completion_id = c.id"
              + " AND m.meta_key = ? AND m.meta_value = ?)");
      args.add(pair.getKey());
      args.add(pair.getValue());
    }
    if (filter.createdAfter() != null) {
      sql.append(" AND created_at >= ?");
      args.add(filter.createdAfter().toEpochMilli());
    }
    if (filter.createdBefore() != null) {
      sql.append(" AND created_at < ?");
      args.add(filter.createdBefore().toEpochMilli());
    }
    if (after != null) {
      sql.append(ascending ? " AND seq > " : " AND seq < ")
          .append("(SELECT seq FROM chat_completions WHERE id = ?)");
      args.add(after.id());
    }
    sql.append(" ORDER BY seq ").append(ascending ? "ASC" : "DESC").append(" LIMIT ?");
    args.add(limit);
    return query(sql.toString(), args);
  }

  /** Replaces the completion's metadata; returns whether it exists. */
  public boolean updateMetadata(String id, Map<String, String> metadata) {
    return inTransaction(
        "update the metadata of chat completion " + id,
        connection -> {
          if (!exists(connection, id)) {
            return false;
          }
          deleteMetadata(connection, id);
          writeMetadata(connection, id, metadata);
          return true;
        });
  }

  /** Deletes the completion and its metadata; returns whether it existed. */
  public boolean delete(String id) {
    return inTransaction(
        "delete chat completion " + id,
        connection -> {
          deleteMetadata(connection, id);
          try (PreparedStatement ps =
              connection.prepareStatement("DELETE FROM chat_completions WHERE id = ?")) {
            ps.setString(1, id);
            return ps.executeUpdate() > 0;
          }
        });
  }

  private static boolean exists(Connection connection, String id) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement("SELECT 1 FROM chat_completions WHERE id = ?")) {
      ps.setString(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  private static void deleteMetadata(Connection connection, String id) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            "DELETE FROM chat_completion_metadata WHERE completion_id = ?")) {
      ps.setString(1, id);
      ps.executeUpdate();
    }
  }

  private static void writeMetadata(Connection connection, String id, Map<String, String> metadata)
      throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            "INSERT INTO chat_completion_metadata (completion_id, position, meta_key, meta_value)"
                + " VALUES (?, ?, ?, ?)")) {
      int position = 0;
      for (Map.Entry<String, String> pair : metadata.entrySet()) {
        ps.setString(1, id);
        ps.setInt(2, position++);
        ps.setString(3, pair.getKey());
        ps.setString(4, pair.getValue());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private List<StoredCompletion> query(String sql, List<Object> args) {
    try (Connection connection = dataSource.getConnection()) {
      List<StoredCompletion> rows = new ArrayList<>();
      try (PreparedStatement ps = connection.prepareStatement(sql)) {
        for (int i = 0; i < args.size(); i++) {
          ps.setObject(i + 1, args.get(i));
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rows.add(
                new StoredCompletion(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    Instant.ofEpochMilli(rs.getLong(4)),
                    Map.of(),
                    (ObjectNode) json.readTree(rs.getString(5)),
                    (ObjectNode) json.readTree(rs.getString(6))));
          }
        }
      }
      List<StoredCompletion> out = new ArrayList<>(rows.size());
      for (StoredCompletion row : rows) {
        out.add(row.withMetadata(metadata(connection, row.id())));
      }
      return out;
    } catch (SQLException | JsonProcessingException e) {
      throw new IllegalStateException("cannot read stored chat completions", e);
    }
  }

  private static Map<String, String> metadata(Connection connection, String id)
      throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT meta_key, meta_value FROM chat_completion_metadata WHERE completion_id = ?"
                + " ORDER BY position")) {
      ps.setString(1, id);
      Map<String, String> pairs = new LinkedHashMap<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          pairs.put(rs.getString(1), rs.getString(2));
        }
      }
      return pairs;
    }
  }

  /** Work in one transaction. */
  private interface Work<T> {
    T run(Connection connection) throws SQLException, JsonProcessingException;
  }

  private <T> T inTransaction(String operation, Work<T> work) {
    try (Connection connection = dataSource.getConnection()) {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | JsonProcessingException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException | JsonProcessingException e) {
      throw new IllegalStateException("cannot " + operation, e);
    }
  }
}
