package dev.lathe.server.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.lathe.finetune.DpoLoss;
import dev.lathe.finetune.FineTuneMethod;
import org.junit.jupiter.api.Test;

/**
 * A job row's payload as earlier versions wrote it (an {@code ObjectNode} built field by field)
 * reads as a {@link FineTuneRequest} and writes back to the same JSON, so existing databases keep
 * their jobs.
 */
class FineTuneRequestTest {
  private final ObjectMapper json = new ObjectMapper();

  /** Written by the job routes before the request was a record: a supervised job. */
  static final String SUPERVISED =
      "{\"model\":\"tinystories-656k\",\"training_file\":\"file-abc\",\"validation_file\":null,"
          + "\"suffix\":\"sfx\",\"seed\":42,\"method\":{\"type\":\"supervised\",\"supervised\":"
          + "{\"hyperparameters\":{\"batch_size\":\"auto\",\"learning_rate_multiplier\":2.0,"
          + "\"n_epochs\":3}}},\"hyperparameters\":{\"batch_size\":\"auto\","
          + "\"learning_rate_multiplier\":2.0,\"n_epochs\":3},\"metadata\":{\"team\":\"a\"},"
          + "\"integrations\":[]}";

  /** The same for a DPO job: no top-level hyperparameters, beta auto. */
  static final String DPO =
      "{\"model\":\"tinystories-656k\",\"training_file\":\"file-abc\",\"validation_file\":"
          + "\"file-def\",\"suffix\":null,\"seed\":7,\"method\":{\"type\":\"dpo\",\"dpo\":"
          + "{\"hyperparameters\":{\"batch_size\":4,\"learning_rate_multiplier\":\"auto\","
          + "\"n_epochs\":\"auto\",\"beta\":\"auto\"}}},\"hyperparameters\":null,"
          + "\"metadata\":null,\"integrations\":[]}";

  @Test
  void aSupervisedRowReadsAndWritesBackUnchanged() throws Exception {
    FineTuneRequest r = FineTuneRequest.read(SUPERVISED, json);
    assertThat(r.model()).isEqualTo("tinystories-656k");
    assertThat(r.trainingFile()).isEqualTo("file-abc");
    assertThat(r.validationFile()).isNull();
    assertThat(r.suffix()).isEqualTo("sfx");
    assertThat(r.seed()).isEqualTo(42);
    RequestedHyperparameters h = r.method().requested();
    assertThat(h.batchSize()).isNull();
    assertThat(h.learningRateMultiplier()).isEqualTo(2.0);
    assertThat(h.nEpochs()).isEqualTo(3);
    assertThat(h.method()).isSameAs(FineTuneMethod.SUPERVISED);
    assertThat(json.readTree(r.toJson(json))).isEqualTo(json.readTree(SUPERVISED));
  }

  @Test
  void aDpoRowReadsWithTheEnginesDefaultBeta() throws Exception {
    FineTuneRequest r = FineTuneRequest.read(DPO, json);
    assertThat(r.validationFile()).isEqualTo("file-def");
    assertThat(r.hyperparameters()).isNull();
    RequestedHyperparameters h = r.method().requested();
    assertThat(h.dpo()).isTrue();
    assertThat(h.batchSize()).isEqualTo(4);
    assertThat(h.resolvedBeta()).isEqualTo(DpoLoss.DEFAULT_BETA);
    assertThat(json.readTree(r.toJson(json))).isEqualTo(json.readTree(DPO));
  }

  @Test
  void aStoredErrorReadsBackAsTheRecordItWasWrittenFrom() {
    JobError e = new JobError("invalid_training_file", "Line 3: bad", "training_file");
    assertThat(JobError.read(e.toJson(json), json)).isEqualTo(e);
    assertThat(JobError.read("worker died", json))
        .isEqualTo(new JobError("server_error", "worker died", null));
  }
}
