package dev.lathe.transformer;

import dev.lathe.tensor.Rope;
import dev.lathe.tensor.RopeScaling;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads Karpathy's llama2.c legacy checkpoint ({@code run.c} format): seven little-endian int32
 * (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len; a negative vocab_size means
 * the output head is stored separately), then f32 tensors stacked per kind over layers. RoPE is the
 * interleaved form; the file's precomputed RoPE tables are skipped.
 */
public final class Llama2cCheckpoint {
  private Llama2cCheckpoint() {}

  private static final int HEADER_BYTES = 7 * 4;

  /** Loads the checkpoint at {@code file} into a ready model. */
  public static LlamaModel load(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size < HEADER_BYTES) {
        throw new IOException(file + ": " + size + " bytes is too short for a llama2.c checkpoint");
      }
      MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
      map.order(ByteOrder.LITTLE_ENDIAN);
      int dim = map.getInt();
      int hidden = map.getInt();
      int layers = map.getInt();
      int heads = map.getInt();
      int kvHeads = map.getInt();
      int vocab = map.getInt();
      int seqLen = map.getInt();
      boolean tied = vocab > 0;
      vocab = Math.abs(vocab);
      LlamaConfig c;
      try {
        c =
            new LlamaConfig(
                dim,
                hidden,
                layers,
                heads,
                kvHeads,
                dim / Math.max(1, heads),
                vocab,
                seqLen,
                1e-5f,
                10000,
                RopeScaling.NONE,
                Rope.Style.INTERLEAVED,
                false,
                false,
                false,
                tied);
      } catch (IllegalArgumentException e) {
        throw new IOException(file + ": not a valid llama2.c header: " + e.getMessage(), e);
      }
      long expected = expectedFloats(c);
      long available = (size - HEADER_BYTES) / 4;
      if (available < expected) {
        throw new IOException(
            file
                + ": header promises "
                + expected
                + " floats of weights but the file holds "
                + available
                + " (truncated or not a llama2.c checkpoint)");
      }
      FloatBuffer in = map.asFloatBuffer();
      return new LlamaModel(c, read(c, in));
    }
  }

  private static LlamaWeights read(LlamaConfig c, FloatBuffer in) {
    int C = c.dim();
    int L = c.layers();
    int F = c.hiddenDim();
    int q = c.queryDim();
    int kv = c.kvDim();
    float[] embedding = take(in, c.vocabSize() * C);
    float[][] attnNorm = takeLayers(in, L, C);
    float[][] wq = takeLayers(in, L, q * C);
    float[][] wk = takeLayers(in, L, kv * C);
    float[][] wv = takeLayers(in, L, kv * C);
    float[][] wo = takeLayers(in, L, C * q);
    float[][] ffnNorm = takeLayers(in, L, C);
    float[][] w1 = takeLayers(in, L, F * C);
    float[][] w2 = takeLayers(in, L, C * F);
    float[][] w3 = takeLayers(in, L, F * C);
    float[] finalNorm = take(in, C);
    in.position(in.position() + c.contextLength() * c.headDim()); // freq_cis_real + imag
    float[] classifier = c.tiedEmbeddings() ? embedding : take(in, c.vocabSize() * C);
    List<LlamaWeights.Layer<float[]>> blocks = new ArrayList<>();
    for (int l = 0; l < L; l++) {
      blocks.add(
          new LlamaWeights.Layer<>(
              attnNorm[l],
              wq[l],
              wk[l],
              wv[l],
              wo[l],
              null, // no q/k/v/o biases and no QK-norm in llama2.c
              null,
              null,
              null,
              null,
              null,
              ffnNorm[l],
              w1[l],
              w3[l],
              w2[l]));
    }
    return new LlamaWeights(embedding, blocks, finalNorm, classifier);
  }

  private static long expectedFloats(LlamaConfig c) {
    long C = c.dim();
    long per = 2 * C + 2L * c.queryDim() * C + 2L * c.kvDim() * C + 3L * c.hiddenDim() * C;
    long total = c.vocabSize() * C + c.layers() * per + C + (long) c.contextLength() * c.headDim();
    return c.tiedEmbeddings() ? total : total + c.vocabSize() * C;
  }

  private static float[] take(FloatBuffer in, int n) {
    float[] a = new float[n];
    in.get(a);
    return a;
  }

  private static float[][] takeLayers(FloatBuffer in, int layers, int n) {
    float[][] a = new float[layers][];
    for (int l = 0; l < layers; l++) {
      a[l] = take(in, n);
    }
    return a;
  }
}
