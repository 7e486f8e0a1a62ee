package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import dev.lathe.jobqueue.JdbcDataSources;
import dev.lathe.server.http.Caller;
import dev.lathe.server.store.ServerSchema;
import dev.lathe.server.store.StoredCompletion;
import dev.lathe.server.store.StoredCompletions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The stored-completions table on its own, on SQLite and on PostgreSQL: concurrent inserts keep one
 * order with no seq drawn twice; filters by project, model, every metadata pair and the half-open
 * time range; metadata replaced and deleted with its completion.
 */
class StoredCompletionStoreTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2026-05-01T00:00:00Z");
  private static final Caller A = new Caller("proj_a", false);

  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void concurrentInsertsFiltersUpdatesAndDeletes(TestDatabase database) throws Exception {
    String url = database.freshDbUrl();
    HikariDataSource db =
        JdbcDataSources.pooled(
            url == null
                ? JdbcDataSources.sqlite(Files.createDirectories(dir).resolve("lathe.db"))
                : JdbcDataSources.postgresql(url, null, null),
            "stored-completions-test",
            8);
    ServerSchema.migrate(db, url != null, InstantSource.fixed(T0));
    StoredCompletions store = new StoredCompletions(db, JSON);

    ExecutorService pool = Executors.newFixedThreadPool(6);
    List<Future<?>> writes = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      int thread = t;
      writes.add(
          pool.submit(
              () -> {
                for (int i = 0; i < 8; i++) {
                  String id = "chatcmpl-t" + thread + "i" + i;
                  store.insert(
                      completion(id, "proj_a", i % 2 == 0 ? "m1" : "m2", T0.plusSeconds(i), i));
                }
              }));
    }
    for (Future<?> w : writes) {
      w.get();
    }
    pool.shutdown();
    store.insert(completion("chatcmpl-other", "proj_b", "m1", T0, 0));

    List<StoredCompletion> all = store.list(A, StoredCompletions.Filter.ALL, true, null, 1000);
    assertThat(all).hasSize(48).allSatisfy(c -> assertThat(c.project()).isEqualTo("proj_a"));
    // paging in both directions visits each once
    List<String> pagedUp = page(store, true);
    assertThat(pagedUp).hasSize(48).doesNotHaveDuplicates();
    assertThat(page(store, false)).isEqualTo(pagedUp.reversed());
    assertThat(store.list(new Caller("x", true), StoredCompletions.Filter.ALL, true, null, 1000))
        .hasSize(49);

    var m1 = new StoredCompletions.Filter("m1", Map.of(), null, null);
    assertThat(store.list(A, m1, true, null, 1000)).hasSize(24);
    var pair = new StoredCompletions.Filter(null, Map.of("i", "3", "parity", "odd"), null, null);
    assertThat(store.list(A, pair, true, null, 1000)).hasSize(6);
    var mismatch =
        new StoredCompletions.Filter(null, Map.of("i", "3", "parity", "even"), null, null);
    assertThat(store.list(A, mismatch, true, null, 1000)).isEmpty();
    var range = new StoredCompletions.Filter(null, Map.of(), T0.plusSeconds(2), T0.plusSeconds(4));
    assertThat(store.list(A, range, true, null, 1000))
        .hasSize(12)
        .allSatisfy(c -> assertThat(c.metadata().get("i")).isIn("2", "3"));

    String id = "chatcmpl-t0i3";
    assertThat(store.find(id, A).orElseThrow().metadata())
        .containsExactly(Map.entry("i", "3"), Map.entry("parity", "odd"));
    assertThat(store.find(id, new Caller("proj_b", false))).isEmpty();
    assertThat(store.updateMetadata(id, Map.of("kept", "yes"))).isTrue();
    assertThat(store.find(id, A).orElseThrow().metadata()).isEqualTo(Map.of("kept", "yes"));
    assertThat(store.list(A, pair, true, null, 1000)).hasSize(5);
    assertThat(store.delete(id)).isTrue();
    assertThat(store.find(id, A)).isEmpty();
    assertThat(store.delete(id)).isFalse();
    assertThat(store.updateMetadata(id, Map.of())).isFalse();
    assertThat(
            dev.lathe.testkit.SqlRows.of(
                db,
                "SELECT meta_key FROM chat_completion_metadata WHERE completion_id = '" + id + "'"))
        .isEmpty();
    db.close();
    if (url != null) {
      dev.lathe.testkit.TestPostgres.dropSchemaQuietly(url);
    }
  }

  private static List<String> page(StoredCompletions store, boolean ascending) {
    List<String> ids = new ArrayList<>();
    StoredCompletion after = null;
    while (true) {
      List<StoredCompletion> page =
          store.list(A, StoredCompletions.Filter.ALL, ascending, after, 5);
      page.forEach(c -> ids.add(c.id()));
      if (page.size() < 5) {
        return ids;
      }
      after = page.getLast();
    }
  }

  private static StoredCompletion completion(
      String id, String project, String model, Instant created, int i) {
    ObjectNode request = JSON.createObjectNode().put("model", model);
    ObjectNode response = JSON.createObjectNode().put("id", id).put("object", "chat.completion");
    Map<String, String> metadata = new java.util.LinkedHashMap<>();
    metadata.put("i", Integer.toString(i));
    metadata.put("parity", i % 2 == 0 ? "even" : "odd");
    return new StoredCompletion(id, project, model, created, metadata, request, response);
  }
}
