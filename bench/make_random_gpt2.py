#!/usr/bin/env python3
"""Writes one random GPT-2 model twice, for llm.c and for Lathe, plus a random token file.

usage: make_random_gpt2.py OUT_DIR [--layers 6 --channels 384 --heads 6 --vocab 50257
                                     --max-t 1024 --tokens 65536 --seed 1337]

OUT_DIR receives
  gpt2.bin          llm.c checkpoint (train_gpt2.c, version 3): 256 int32 header
                    [20240326, 3, maxT, V, L, NH, C, Vp, 0...], then the float32 parameters in
                    llm.c's order wte (Vp, C; rows V.. are zero), wpe (maxT, C), ln1w (L, C),
                    ln1b, qkvw (L, 3C, C), qkvb (L, 3C), attprojw (L, C, C), attprojb, ln2w, ln2b,
                    fcw (L, 4C, C), fcb (L, 4C), fcprojw (L, C, 4C), fcprojb, lnfw (C), lnfb (C).
                    llm.c keeps linear weights as (out, in).
  hf/config.json    Hugging Face GPT-2 config (n_layer, n_embd, n_head, vocab_size, n_positions)
  hf/model.safetensors  the same values under Hugging Face names; Conv1D weights are (in, out),
                    i.e. the transposes of llm.c's.
  tokens.bin        llm.c token file: 256 int32 header [20240520, 1, count, 0...] then count
                    uint16 tokens drawn uniformly from [0, V).

The initialisation follows GPT-2's recipe (normal 0.02, residual projections 0.02/sqrt(2L),
LayerNorm weight 1, biases 0), so the first-step loss of both engines is close to ln(V).
"""
import argparse
import json
import os
import struct

import numpy as np


def padded(v, multiple=128):
    return (v + multiple - 1) // multiple * multiple


def write_safetensors(path, tensors):
    header = {}
    offset = 0
    blobs = []
    for name, array in tensors:
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--channels", type=int, default=384)
    ap.add_argument("--heads", type=int, default=6)
    ap.add_argument("--vocab", type=int, default=50257)
    ap.add_argument("--max-t", type=int, default=1024)
    ap.add_argument("--tokens", type=int, default=65536)
    ap.add_argument("--seed", type=int, default=1337)
    a = ap.parse_args()
    L, C, NH, V, maxT = a.layers, a.channels, a.heads, a.vocab, a.max_t
    if C % NH:
        raise SystemExit(f"--channels {C} must be a multiple of --heads {NH}")
    Vp = padded(V)
    rng = np.random.default_rng(a.seed)

    def normal(std, *shape):
        return (rng.standard_normal(shape, dtype=np.float32) * std).astype(np.float32)

    resid_std = 0.02 / np.sqrt(2 * L)
    wte = normal(0.02, V, C)
    wpe = normal(0.01, maxT, C)
    ln1w, ln1b = np.ones((L, C), np.float32), np.zeros((L, C), np.float32)
    qkvw, qkvb = normal(0.02, L, 3 * C, C), np.zeros((L, 3 * C), np.float32)
    attprojw, attprojb = normal(resid_std, L, C, C), np.zeros((L, C), np.float32)
    ln2w, ln2b = np.ones((L, C), np.float32), np.zeros((L, C), np.float32)
    fcw, fcb = normal(0.02, L, 4 * C, C), np.zeros((L, 4 * C), np.float32)
    fcprojw, fcprojb = normal(resid_std, L, C, 4 * C), np.zeros((L, C), np.float32)
    lnfw, lnfb = np.ones(C, np.float32), np.zeros(C, np.float32)

    os.makedirs(os.path.join(a.out, "hf"), exist_ok=True)
    # llm.c checkpoint
    header = np.zeros(256, np.int32)
    header[:8] = [20240326, 3, maxT, V, L, NH, C, Vp]
    wte_padded = np.zeros((Vp, C), np.float32)
    wte_padded[:V] = wte
    with open(os.path.join(a.out, "gpt2.bin"), "wb") as f:
        f.write(header.tobytes())
        for t in (wte_padded, wpe, ln1w, ln1b, qkvw, qkvb, attprojw, attprojb, ln2w, ln2b,
                  fcw, fcb, fcprojw, fcprojb, lnfw, lnfb):
            f.write(np.ascontiguousarray(t, dtype="<f4").tobytes())

    # Hugging Face directory: Conv1D weights are (in, out)
    tensors = [("wte.weight", wte), ("wpe.weight", wpe)]
    for l in range(L):
        p = f"h.{l}."
        tensors += [
            (p + "ln_1.weight", ln1w[l]), (p + "ln_1.bias", ln1b[l]),
            (p + "attn.c_attn.weight", qkvw[l].T), (p + "attn.c_attn.bias", qkvb[l]),
            (p + "attn.c_proj.weight", attprojw[l].T), (p + "attn.c_proj.bias", attprojb[l]),
            (p + "ln_2.weight", ln2w[l]), (p + "ln_2.bias", ln2b[l]),
            (p + "mlp.c_fc.weight", fcw[l].T), (p + "mlp.c_fc.bias", fcb[l]),
            (p + "mlp.c_proj.weight", fcprojw[l].T), (p + "mlp.c_proj.bias", fcprojb[l]),
        ]
    tensors += [("ln_f.weight", lnfw), ("ln_f.bias", lnfb)]
    write_safetensors(os.path.join(a.out, "hf", "model.safetensors"), tensors)
    config = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "n_layer": L,
              "n_embd": C, "n_head": NH, "vocab_size": V, "n_positions": maxT, "n_ctx": maxT,
              "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new",
              "tie_word_embeddings": True}
    with open(os.path.join(a.out, "hf", "config.json"), "w") as f:
        json.dump(config, f, indent=2)

    # llm.c token file
    tokens = rng.integers(0, V, a.tokens, dtype=np.int64).astype("<u2")
    theader = np.zeros(256, np.int32)
    theader[:3] = [20240520, 1, a.tokens]
    with open(os.path.join(a.out, "tokens.bin"), "wb") as f:
        f.write(theader.tobytes())
        f.write(tokens.tobytes())
    n_params = sum(t.size for _, t in tensors)
    print(f"wrote {a.out}: L={L} C={C} NH={NH} V={V} (Vp={Vp}) maxT={maxT}, "
          f"{n_params} parameters, {a.tokens} tokens")


if __name__ == "__main__":
    main()
