package dev.lathe.transformer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An independent, naive, double-precision Hugging Face {@code LlamaForCausalLM} written straight
 * from the modeling semantics (full sequence, no cache, rotate-half RoPE with cos/sin repeated over
 * both halves and Llama-3 frequency scaling, repeat_kv for GQA, causal softmax, SiLU MLP; Qwen2
 * q/k/v biases and Qwen3 per-head q/k RMSNorm when the checkpoint has those tensors). It shares no
 * code with the engine: its own safetensors reading (F32 only, header read with regular
 * expressions), its own config reading, its own loops. It produced the golden logits file once;
 * tests compare the engine to it.
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
    hidden = (int) num(cfg, "hidden_size");
    inter = (int) num(cfg, "intermediate_size");
    layers = (int) num(cfg, "num_hidden_layers");
    heads = (int) num(cfg, "num_attention_heads");
    kvHeads = (int) num(cfg, "num_key_value_heads");
    headDim = has(cfg, "head_dim") ? (int) num(cfg, "head_dim") : hidden / heads;
    vocab = (int) num(cfg, "vocab_size");
    eps = num(cfg, "rms_norm_eps");
    theta = num(cfg, "rope_theta");
    invFreq = new double[headDim / 2];
    for (int i = 0; i < invFreq.length; i++) {
      invFreq[i] = 1 / Math.pow(theta, 2.0 * i / headDim);
      if (cfg.contains("\"llama3\"")) { // HF _compute_llama3_parameters
        double factor = num(cfg, "factor");
        double low = num(cfg, "low_freq_factor");
        double high = num(cfg, "high_freq_factor");
        double old = num(cfg, "original_max_position_embeddings");
        double wavelen = 2 * Math.PI / invFreq[i];
        if (wavelen > old / low) {
          invFreq[i] /= factor;
        } else if (wavelen >= old / high) {
          double smooth = (old / wavelen - low) / (high - low);
          invFreq[i] = (1 - smooth) * invFreq[i] / factor + smooth * invFreq[i];
        }
      }
    }
    byte[] file = Files.readAllBytes(dir.resolve("model.safetensors"));
    ByteBuffer bb = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    int n = (int) bb.getLong(0);
    String header = new String(file, 8, n, StandardCharsets.UTF_8);
    Matcher m =
        Pattern.compile(
                "\"([^\"]+)\":\\s*\\{\"dtype\":\\s*\"F32\",\\s*\"shape\":\\s*\\[[^\\]]*\\],"
                    + "\\s*\"data_offsets\":\\s*\\[(\\d+),\\s*(\\d+)\\]\\}")
            .matcher(header);
    while (m.find()) {
      int begin = Integer.parseInt(m.group(2));
      int end = Integer.parseInt(m.group(3));
      double[] a = new double[(end - begin) / 4];
      for (int i = 0; i < a.length; i++) {
        a[i] = bb.getFloat(8 + n + begin + 4 * i);
      }
      t.put(m.group(1), a);
    }
    // this checkpoint stores the tied matrix once, as lm_head.weight
    t.putIfAbsent("model.embed_tokens.weight", t.get("lm_head.weight"));
    t.putIfAbsent("lm_head.weight", t.get("model.embed_tokens.weight"));
  }

  private static boolean has(String json, String key) {
    return Pattern.compile("\"" + key + "\"\\s*:\\s*[-0-9]").matcher(json).find();
  }

  private static double num(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*([-0-9.eE+]+)").matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("config.json lacks " + key);
    }
    return Double.parseDouble(m.group(1));
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
        double[] att = new double[heads * headDim];
        for (int hh = 0; hh < heads; hh++) {
          int kvh = hh / (heads / kvHeads); // repeat_kv
          double[] w = new double[i + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= i; j++) {
            double dot = 0;
            for (int d = 0; d < headDim; d++) {
              dot += q[i][hh * headDim + d] * k[j][kvh * headDim + d];
            }
            w[j] = dot / Math.sqrt(headDim);
            max = Math.max(max, w[j]);
          }
          double sum = 0;
          for (int j = 0; j <= i; j++) {
            w[j] = Math.exp(w[j] - max);
            sum += w[j];
          }
          for (int j = 0; j <= i; j++) {
            for (int d = 0; d < headDim; d++) {
              att[hh * headDim + d] += w[j] / sum * v[j][kvh * headDim + d];
            }
          }
        }
        double[] o = proj(p + "self_attn.o_proj", att);
        for (int d = 0; d < hidden; d++) {
          h[i][d] += o[d];
        }
        double[] x = rms(h[i], t.get(p + "post_attention_layernorm.weight"));
        double[] g = matvec(t.get(p + "mlp.gate_proj.weight"), x);
        double[] u = matvec(t.get(p + "mlp.up_proj.weight"), x);
        for (int d = 0; d < inter; d++) {
          g[d] = g[d] / (1 + Math.exp(-g[d])) * u[d];
        }
        double[] down = matvec(t.get(p + "mlp.down_proj.weight"), g);
        for (int d = 0; d < hidden; d++) {
          h[i][d] += down[d];
        }
      }
    }
    return matvec(t.get("lm_head.weight"), rms(h[s - 1], t.get("model.norm.weight")));
  }

  private double[] rms(double[] x, double[] w) {
    double ss = 0;
    for (double a : x) {
      ss += a * a;
    }
    double r = 1 / Math.sqrt(ss / x.length + eps);
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = w[i] * (x[i] * r);
    }
    return y;
  }

  /** W x + b, the bias only when the checkpoint has one (Qwen2 q/k/v; attention_bias q/k/v/o). */
  private double[] proj(String name, double[] x) {
    double[] y = matvec(t.get(name + ".weight"), x);
    double[] b = t.get(name + ".bias");
    if (b != null) {
      for (int i = 0; i < y.length; i++) {
        y[i] += b[i];
      }
    }
    return y;
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

  /** W (out, in) · x. */
  private static double[] matvec(double[] w, double[] x) {
    double[] y = new double[w.length / x.length];
    for (int o = 0; o < y.length; o++) {
      double s = 0;
      for (int i = 0; i < x.length; i++) {
        s += w[o * x.length + i] * x[i];
      }
      y[o] = s;
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
