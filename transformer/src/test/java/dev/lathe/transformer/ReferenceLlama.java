package dev.lathe.transformer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An independent, naive, double-precision Hugging Face {@code LlamaForCausalLM} written straight
 * from the modeling semantics (full sequence, no cache, rotate-half RoPE with cos/sin repeated over
 * both halves and Llama-3 frequency scaling, repeat_kv for GQA, causal softmax, SiLU MLP; Qwen2
 * q/k/v biases and Qwen3 per-head q/k RMSNorm when the checkpoint has those tensors). It shares no
 * code with the engine: its own safetensors and config reading ({@link NaiveCheckpoint}), its own
 * loops (those it shares with the other references in {@link DoubleKernels}). It produced the
 * golden logits file once; tests compare the engine to it.
 */
final class ReferenceLlama {
  private final Map<String, double[]> t = new HashMap<>();
  final int hidden;
  final int inter;
  final int layers;
  final int heads;
  final int kvHeads;
  final int headDim;
  final int vocab;
  final double eps;
  final double theta;
  final double[] invFreq;

  ReferenceLlama(Path dir) throws IOException {
    String cfg = Files.readString(dir.resolve("config.json"));
    hidden = (int) NaiveCheckpoint.num(cfg, "hidden_size");
    inter = (int) NaiveCheckpoint.num(cfg, "intermediate_size");
    layers = (int) NaiveCheckpoint.num(cfg, "num_hidden_layers");
    heads = (int) NaiveCheckpoint.num(cfg, "num_attention_heads");
    kvHeads = (int) NaiveCheckpoint.num(cfg, "num_key_value_heads");
    headDim =
        NaiveCheckpoint.has(cfg, "head_dim")
            ? (int) NaiveCheckpoint.num(cfg, "head_dim")
            : hidden / heads;
    vocab = (int) NaiveCheckpoint.num(cfg, "vocab_size");
    eps = NaiveCheckpoint.num(cfg, "rms_norm_eps");
    theta = NaiveCheckpoint.num(cfg, "rope_theta");
    invFreq = new double[headDim / 2];
    for (int i = 0; i < invFreq.length; i++) {
      invFreq[i] = 1 / Math.pow(theta, 2.0 * i / headDim);
      if (cfg.contains("\"llama3\"")) { // HF _compute_llama3_parameters
        double factor = NaiveCheckpoint.num(cfg, "factor");
        double low = NaiveCheckpoint.num(cfg, "low_freq_factor");
        double high = NaiveCheckpoint.num(cfg, "high_freq_factor");
        double old = NaiveCheckpoint.num(cfg, "original_max_position_embeddings");
        double wavelen = 2 * Math.PI / invFreq[i];
        if (wavelen > old / low) {
          invFreq[i] /= factor;
        } else if (wavelen >= old / high) {
          double smooth = (old / wavelen - low) / (high - low);
          invFreq[i] = (1 - smooth) * invFreq[i] / factor + smooth * invFreq[i];
        }
      }
    }
    t.putAll(NaiveCheckpoint.tensors(dir.resolve("model.safetensors"), ""));
    // this checkpoint stores the tied matrix once, as lm_head.weight
    t.putIfAbsent("model.embed_tokens.weight", t.get("lm_head.weight"));
    t.putIfAbsent("lm_head.weight", t.get("model.embed_tokens.weight"));
  }

  /** Logits of the last position after running {@code ids} from position 0. */
  double[] lastLogits(int[] ids) {
    int s = ids.length;
    double[][] h = new double[s][];
    for (int i = 0; i < s; i++) {
      h[i] =
          Arrays.copyOfRange(
              t.get("model.embed_tokens.weight"), ids[i] * hidden, (ids[i] + 1) * hidden);
    }
    for (int l = 0; l < layers; l++) {
      String p = "model.layers." + l + ".";
      double[][] q = new double[s][];
      double[][] k = new double[s][];
      double[][] v = new double[s][];
      for (int i = 0; i < s; i++) {
        double[] x = rms(h[i], t.get(p + "input_layernorm.weight"));
        q[i] =
            rope(
                headNorm(proj(p + "self_attn.q_proj", x), p + "self_attn.q_norm.weight"), heads, i);
        k[i] =
            rope(
                headNorm(proj(p + "self_attn.k_proj", x), p + "self_attn.k_norm.weight"),
                kvHeads,
                i);
        v[i] = proj(p + "self_attn.v_proj", x);
      }
      for (int i = 0; i < s; i++) {
        double[] att = DoubleKernels.attention(q[i], 0, k, 0, v, 0, i, heads, kvHeads, headDim);
        double[] o = proj(p + "self_attn.o_proj", att);
        for (int d = 0; d < hidden; d++) {
          h[i][d] += o[d];
        }
        double[] x = rms(h[i], t.get(p + "post_attention_layernorm.weight"));
        double[] g = DoubleKernels.matvec(t.get(p + "mlp.gate_proj.weight"), x);
        double[] u = DoubleKernels.matvec(t.get(p + "mlp.up_proj.weight"), x);
        for (int d = 0; d < inter; d++) {
          g[d] = g[d] / (1 + Math.exp(-g[d])) * u[d];
        }
        double[] down = DoubleKernels.matvec(t.get(p + "mlp.down_proj.weight"), g);
        for (int d = 0; d < hidden; d++) {
          h[i][d] += down[d];
        }
      }
    }
    return DoubleKernels.matvec(t.get("lm_head.weight"), rms(h[s - 1], t.get("model.norm.weight")));
  }

  private double[] rms(double[] x, double[] w) {
    return DoubleKernels.rmsNorm(x, w, eps);
  }

  /** W x + b, the bias only when the checkpoint has one (Qwen2 q/k/v; attention_bias q/k/v/o). */
  private double[] proj(String name, double[] x) {
    return DoubleKernels.affine(t.get(name + ".weight"), t.get(name + ".bias"), x);
  }

  /** Qwen3: RMSNorm over each head_dim slice, when the checkpoint has the norm weight. */
  private double[] headNorm(double[] x, String weight) {
    double[] w = t.get(weight);
    if (w == null) {
      return x;
    }
    double[] y = new double[x.length];
    for (int h0 = 0; h0 < x.length; h0 += headDim) {
      double[] slice = rms(Arrays.copyOfRange(x, h0, h0 + headDim), w);
      System.arraycopy(slice, 0, y, h0, headDim);
    }
    return y;
  }

  /** q * cos + rotate_half(q) * sin, per head, with rotate_half(x) = cat(-x2, x1). */
  private double[] rope(double[] x, int nHeads, int pos) {
    double[] y = new double[x.length];
    int half = headDim / 2;
    for (int hh = 0; hh < nHeads; hh++) {
      int b = hh * headDim;
      for (int d = 0; d < headDim; d++) {
        int i = d % half;
        double angle = pos * invFreq[i];
        double rotated = d < half ? -x[b + d + half] : x[b + d - half];
        y[b + d] = x[b + d] * Math.cos(angle) + rotated * Math.sin(angle);
      }
    }
    return y;
  }

  /** Writes the golden file: {@code ReferenceLlama <model dir> <out file> <id> <id> ...}. */
  public static void main(String[] args) throws IOException {
    ReferenceLlama r = new ReferenceLlama(Path.of(args[0]));
    int[] ids = Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray();
    double[] logits = r.lastLogits(ids);
    StringBuilder b = new StringBuilder();
    b.append("# Golden first-step logits of models/hf-TinyStories-656K (shared assets).\n");
    b.append("# Produced once by ReferenceLlama (test sources): an independent double-precision\n");
    b.append("# implementation of HF LlamaForCausalLM sharing no code with the engine.\n");
    b.append(
        "# Logits of the LAST prompt position. Line 4: prompt ids; then one logit per line.\n");
    b.append(Arrays.toString(ids).replaceAll("[\\[\\],]", "")).append('\n');
    for (double d : logits) {
      b.append(String.format(Locale.ROOT, "%.10e%n", d));
    }
    Files.writeString(Path.of(args[1]), b.toString());
  }
}
