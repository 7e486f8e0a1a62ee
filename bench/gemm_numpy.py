#!/usr/bin/env python3
"""numpy (OpenBLAS) anchor for GemmBench: GFLOP/s medians of float32 GEMM at the same shapes.

Shapes are MxKxN, C[M,N] = A[M,K] @ op(B) in the three layouts of dev.lathe.tensor.Gemm:
NT = A @ B.T with B [N,K] (the forward), NN = A @ B with B [K,N], TN = A.T @ B with A [K,M].
Thread count comes from OPENBLAS_NUM_THREADS (gemm-vs-numpy.sh sets 2).

Output: one line per layout and shape,
  numpy <layout> <MxKxN> median=<GFLOP/s> min=<..> max=<..> samples=<n>
plus a first line naming the BLAS library, its kernel (core type) and thread count.
"""
import argparse
import statistics
import time

import numpy as np

SHAPES = ["512x576x576", "512x576x1536", "512x1536x576", "2048x2048x2048"]
LAYOUTS = ["NT", "NN", "TN"]


def blas_info():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "threadpoolctl not installed: BLAS kernel unknown (pip install threadpoolctl)"
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return "blas={} version={} kernel={} threads={}".format(
                pool.get("internal_api"), pool.get("version"),
                pool.get("architecture"), pool.get("num_threads"))
    return "no BLAS thread pool found"


def operands(layout, m, k, n, rng):
    a = rng.standard_normal((k, m) if layout == "TN" else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if layout == "NT" else (k, n), dtype=np.float32)
    if layout == "NT":
        return a, b.T
    if layout == "TN":
        return a.T, b
    return a, b


def measure(layout, shape, samples, min_seconds):
    m, k, n = (int(x) for x in shape.split("x"))
    x, y = operands(layout, m, k, n, np.random.default_rng(1))
    out = np.empty((m, n), dtype=np.float32)
    flops = 2.0 * m * n * k
    reps = 1
    while True:  # calibrate and warm up: one sample takes at least min_seconds
        t0 = time.perf_counter()
        for _ in range(reps):
            np.matmul(x, y, out=out)
        if time.perf_counter() - t0 >= min_seconds:
            break
        reps *= 2
    rates = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(reps):
            np.matmul(x, y, out=out)
        rates.append(flops * reps / (time.perf_counter() - t0) / 1e9)
    return rates


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=5, help="timed samples per case")
    p.add_argument("--min-seconds", type=float, default=1.0, help="seconds per sample")
    p.add_argument("--layouts", default=",".join(LAYOUTS))
    p.add_argument("--shapes", default=",".join(SHAPES))
    args = p.parse_args()
    print("numpy {} {}".format(np.__version__, blas_info()), flush=True)
    for layout in args.layouts.split(","):
        for shape in args.shapes.split(","):
            r = measure(layout, shape, args.samples, args.min_seconds)
            print("numpy {} {} median={:.1f} min={:.1f} max={:.1f} samples={}".format(
                layout, shape, statistics.median(r), min(r), max(r), len(r)), flush=True)


if __name__ == "__main__":
    main()
