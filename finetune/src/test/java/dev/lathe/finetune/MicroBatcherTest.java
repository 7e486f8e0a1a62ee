package dev.lathe.finetune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lathe.transformer.train.TokenBatch;
import java.util.List;
import org.junit.jupiter.api.Test;

class MicroBatcherTest {

  static TrainingExample ex(int line, int len) {
    int[] tokens = new int[len];
    int[] targets = new int[len];
    for (int t = 0; t < len; t++) {
      tokens[t] = line * 100 + t;
      targets[t] = t == 0 ? -1 : line * 100 + t + 1;
    }
    return new TrainingExample(line, tokens, targets, false);
  }

  @Test
  void packsExamplesIntoRowsWithRestartingPositionsAndOwnSegments() {
    List<TrainingExample> xs = List.of(ex(1, 3), ex(2, 4), ex(3, 2), ex(4, 5));
    List<MicroBatcher.MicroBatch> mbs = new MicroBatcher(8, true).split(xs);
    int segments = 0;
    for (MicroBatcher.MicroBatch mb : mbs) {
      TokenBatch b = mb.batch();
      assertThat(b.rows() * b.seqLen()).isLessThanOrEqualTo(8);
      segments += b.segmentCount();
    }
    assertThat(segments).isEqualTo(4);
    TokenBatch first = mbs.getFirst().batch();
    // row 0: ex1 (3) + ex2 (4) = 7 positions, then padding
    assertThat(first.rows()).isEqualTo(1);
    assertThat(first.seqLen()).isEqualTo(7);
    assertThat(first.positions()).containsExactly(0, 1, 2, 0, 1, 2, 3);
    assertThat(first.segments()).containsExactly(0, 0, 0, 1, 1, 1, 1);
    assertThat(first.tokens()[3]).isEqualTo(200);
    assertThat(mbs.getFirst().exampleIndex()).containsExactly(0, 1);
  }

  @Test
  void paddedRowsHoldOneExampleAndMarkPaddingWithMinusOne() {
    List<TrainingExample> xs = List.of(ex(1, 3), ex(2, 4), ex(3, 2));
    List<MicroBatcher.MicroBatch> mbs = new MicroBatcher(100, false).split(xs);
    assertThat(mbs).hasSize(1);
    TokenBatch b = mbs.getFirst().batch();
    assertThat(b.rows()).isEqualTo(3);
    assertThat(b.seqLen()).isEqualTo(4);
    assertThat(b.segments()).containsExactly(0, 0, 0, -1, 1, 1, 1, 1, 2, 2, -1, -1);
    assertThat(b.targets()[3]).isEqualTo(-1);
  }

  @Test
  void paddedBatchesRespectTheBudget() {
    List<TrainingExample> xs = List.of(ex(1, 3), ex(2, 4), ex(3, 2), ex(4, 4), ex(5, 1));
    for (MicroBatcher.MicroBatch mb : new MicroBatcher(8, false).split(xs)) {
      assertThat(mb.batch().rows() * mb.batch().seqLen()).isLessThanOrEqualTo(8);
    }
  }

  @Test
  void anExampleLongerThanTheBudgetIsAClearError() {
    assertThatThrownBy(() -> new MicroBatcher(4, true).split(List.of(ex(7, 5))))
        .hasMessageContaining("line 7")
        .hasMessageContaining("micro-batch");
  }
}
