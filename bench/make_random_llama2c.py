#!/usr/bin/env python3
"""Writes a Llama-shaped model with seeded random weights in llama2.c's legacy checkpoint format,
plus a tokenizer file of matching vocabulary, so that Lathe and other engines can be timed on the
same bytes. Shapes: smollm2-135m (hidden 576, intermediate 1536, 30 layers, 9 heads, 3 KV heads,
vocab 49152, tied head) or any shape given by flags.

usage: make_random_llama2c.py OUT_DIR [--shape smollm2-135m] [--seq-len 1024] [--seed 0]
"""
import argparse
import os
import struct

import numpy as np

SHAPES = {
    "smollm2-135m": dict(dim=576, hidden=1536, layers=30, heads=9, kv_heads=3, vocab=49152),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--shape", default="smollm2-135m", choices=sorted(SHAPES))
    ap.add_argument("--seq-len", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    s = SHAPES[a.shape]
    dim, hidden, layers, heads, kv, vocab = (s[k] for k in ("dim", "hidden", "layers", "heads", "kv_heads", "vocab"))
    head = dim // heads
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "model.bin")

    def w(*shape):
        return (rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)).tobytes()

    with open(path + ".part", "wb") as f:
        # positive vocab: the classifier is the shared embedding
        f.write(struct.pack("7i", dim, hidden, layers, heads, kv, vocab, a.seq_len))
        f.write(w(vocab, dim))  # token embedding
        f.write(np.ones((layers, dim), np.float32).tobytes())  # rms_att
        f.write(w(layers, heads * head, dim))  # wq
        f.write(w(layers, kv * head, dim))  # wk
        f.write(w(layers, kv * head, dim))  # wv
        f.write(w(layers, dim, heads * head))  # wo
        f.write(np.ones((layers, dim), np.float32).tobytes())  # rms_ffn
        f.write(w(layers, hidden, dim))  # w1 (gate)
        f.write(w(layers, dim, hidden))  # w2 (down)
        f.write(w(layers, hidden, dim))  # w3 (up)
        f.write(np.ones(dim, np.float32).tobytes())  # rms_final
        f.write(np.zeros(a.seq_len * head // 2 * 2, np.float32).tobytes())  # unused RoPE tables
    os.replace(path + ".part", path)

    # llama2.c tokenizer format: max_token_length, then (score, len, bytes) per token.
    with open(os.path.join(a.out, "tokenizer.bin"), "wb") as f:
        pieces = [b"<unk>", b"<s>", b"</s>"] + [bytes([b]) for b in range(256)]
        pieces += [(" t%d" % i).encode() for i in range(vocab - len(pieces))]
        f.write(struct.pack("i", max(len(p) for p in pieces)))
        for i, p in enumerate(pieces):
            f.write(struct.pack("fi", -float(i), len(p)))
            f.write(p)
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB) and tokenizer.bin, vocab {vocab}")


if __name__ == "__main__":
    main()
