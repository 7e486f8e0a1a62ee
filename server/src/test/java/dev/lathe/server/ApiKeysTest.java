package dev.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.server.http.ApiException;
import dev.lathe.server.http.Caller;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ApiKeysTest {
  private final ApiKeys keys =
      new ApiKeys(
          List.of(
              new ServerConfig.ApiKey("sk-alpha-0123456789", "alpha", false),
              new ServerConfig.ApiKey("sk-admin-9876543210", "ops", true)));

  @Test
  void eachKeyAuthenticatesItsCallerFromAnyThread() throws Exception {
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      List<Future<Caller>> callers =
          pool.invokeAll(
              java.util.Collections.nCopies(
                  8, () -> keys.authenticate("Bearer sk-alpha-0123456789")));
      for (Future<Caller> c : callers) {
        assertThat(c.get()).isEqualTo(new Caller("alpha", false));
      }
    }
    assertThat(keys.authenticate("bearer  sk-admin-9876543210 "))
        .isEqualTo(new Caller("ops", true));
  }

  @Test
  void aWrongOrMissingKeyIsRefused() {
    assertThatThrownBy(() -> keys.authenticate("Bearer sk-alpha-0123456780"))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("sk-")
        .hasMessageNotContaining("sk-alpha-0123456780");
    assertThatThrownBy(() -> keys.authenticate(null))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("didn't provide an API key");
    assertThatThrownBy(() -> keys.authenticate("Basic abc"))
        .isInstanceOf(ApiException.class)
        .hasMessageContaining("didn't provide an API key");
  }

  @Test
  void withoutKeysEveryRequestIsTheLocalAdmin() {
    assertThat(new ApiKeys(List.of()).authenticate(null))
        .isEqualTo(new Caller(ServerConfig.LOCAL_PROJECT, true));
  }
}
