package dev.lathe.transformer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * An independent, naive, double-precision Hugging Face {@code GPT2LMHeadModel} written from the
 * modeling semantics: token + learned position embedding, pre-LayerNorm blocks, Conv1D layers
 * computing {@code x · W + b} with W stored [in, out], fused c_attn split into q | k | v, causal
 * softmax attention, gelu_new MLP, final LayerNorm, output head tied to wte. Shares no code with
 * the engine (own F32 safetensors and config reading, {@link NaiveCheckpoint}; the loops it shares
 * with the other references are {@link DoubleKernels}).
 */
final class ReferenceGpt2 {
  private final Map<String, double[]> t = new HashMap<>();
  private final int c;
  private final int layers;
  private final int heads;
  private final double eps;

  ReferenceGpt2(Path dir) throws IOException {
    String cfg = Files.readString(dir.resolve("config.json"));
    c = (int) NaiveCheckpoint.num(cfg, "n_embd");
    layers = (int) NaiveCheckpoint.num(cfg, "n_layer");
    heads = (int) NaiveCheckpoint.num(cfg, "n_head");
    eps = NaiveCheckpoint.num(cfg, "layer_norm_epsilon");
    t.putAll(NaiveCheckpoint.tensors(dir.resolve("model.safetensors"), "transformer."));
  }

  /** Logits of the last position after running {@code ids} from position 0. */
  double[] lastLogits(int[] ids) {
    int s = ids.length;
    int hd = c / heads;
    double[] wte = t.get("wte.weight");
    double[] wpe = t.get("wpe.weight");
    double[][] h = new double[s][c];
    for (int i = 0; i < s; i++) {
      for (int d = 0; d < c; d++) {
        h[i][d] = wte[ids[i] * c + d] + wpe[i * c + d];
      }
    }
    for (int l = 0; l < layers; l++) {
      String p = "h." + l + ".";
      double[][] qkv = new double[s][];
      for (int i = 0; i < s; i++) {
        qkv[i] = conv1d(p + "attn.c_attn", ln(h[i], p + "ln_1"));
      }
      for (int i = 0; i < s; i++) {
        double[] att = DoubleKernels.attention(qkv[i], 0, qkv, c, qkv, 2 * c, i, heads, heads, hd);
        DoubleKernels.addInto(h[i], conv1d(p + "attn.c_proj", att));
        double[] fc = DoubleKernels.gelu(conv1d(p + "mlp.c_fc", ln(h[i], p + "ln_2")));
        DoubleKernels.addInto(h[i], conv1d(p + "mlp.c_proj", fc));
      }
    }
    double[] x = ln(h[s - 1], "ln_f");
    double[] logits = new double[wte.length / c];
    for (int v = 0; v < logits.length; v++) {
      for (int d = 0; d < c; d++) {
        logits[v] += wte[v * c + d] * x[d];
      }
    }
    return logits;
  }

  private double[] ln(double[] x, String name) {
    double mean = Arrays.stream(x).average().orElseThrow();
    double var = Arrays.stream(x).map(a -> (a - mean) * (a - mean)).average().orElseThrow();
    double[] w = t.get(name + ".weight");
    double[] b = t.get(name + ".bias");
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = (x[i] - mean) / Math.sqrt(var + eps) * w[i] + b[i];
    }
    return y;
  }

  /** HF Conv1D: x · W + b with W stored (in, out). */
  private double[] conv1d(String name, double[] x) {
    double[] w = t.get(name + ".weight");
    double[] b = t.get(name + ".bias");
    int out = b.length;
    double[] y = b.clone();
    for (int i = 0; i < x.length; i++) {
      for (int o = 0; o < out; o++) {
        y[o] += x[i] * w[i * out + o];
      }
    }
    return y;
  }
}
