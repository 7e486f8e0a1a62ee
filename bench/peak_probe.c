// Measures this machine's fp32 FMA peak and streaming read bandwidth, for the MFU and bandwidth
// figures of bench/. Built by bench/peak.sh with gcc -O3 -march=native -fopenmp; the vector width
// is the widest the compiler targets (512-bit with AVX-512, else 256-bit).
//
//   peak_probe THREADS   prints: fma_gflops=<best> read_gbs=<best> vector_bits=<w> threads=<n>
//
// Each figure is the best of many short repetitions (a few ms of FMAs, one pass over the buffer):
// on a machine shared with other work, a short repetition is the likeliest to run undisturbed.
//
// FMA: every thread runs ACC independent accumulator chains of a = a * x + y (one FMA each, all
// operands in registers), so the loop is bound by FMA throughput, not latency or loads. Read:
// every thread sums its slice of a 512 MiB buffer (far larger than the caches) with vector adds.
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__AVX512F__)
#define VBYTES 64
#else
#define VBYTES 32
#endif
typedef float vf __attribute__((vector_size(VBYTES)));
#define LANES (VBYTES / 4)
#define ACC 16

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static float fma_loop(long iters, float seed) {
  vf acc[ACC];
  vf x, y;
  for (int l = 0; l < LANES; l++) {
    x[l] = 0.999999f;
    y[l] = 1e-7f * seed;
  }
  for (int i = 0; i < ACC; i++) acc[i] = x * (float)i;
  for (long it = 0; it < iters; it++) {
#pragma GCC unroll 16
    for (int i = 0; i < ACC; i++) acc[i] = acc[i] * x + y;
    // keep the compiler from folding iterations, and keep x and y in registers: with y left in
    // memory (GCC 12 did that), each FMA carries a load and the loop measured the load ports, a
    // third below the FMA peak on a Xeon with two 512-bit FMA pipes
    __asm__ volatile("" : "+v"(x), "+v"(y));
  }
  vf s = acc[0];
  for (int i = 1; i < ACC; i++) s += acc[i];
  float r = 0;
  for (int l = 0; l < LANES; l++) r += s[l];
  return r;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  omp_set_num_threads(threads);
  long iters = 500L * 1000;
  double best = 0;
  volatile float sink = 0;
  for (int rep = 0; rep < 400; rep++) {
    double t0 = now();
#pragma omp parallel reduction(+ : sink)
    sink += fma_loop(iters, (float)omp_get_thread_num());
    double dt = now() - t0;
    double gflops = 2.0 * ACC * LANES * iters * threads / dt / 1e9;
    if (gflops > best) best = gflops;
  }
  size_t n = (512UL << 20) / sizeof(float);
  float *buf = aligned_alloc(64, n * sizeof(float));
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < n; i++) buf[i] = (float)(i & 7);
  double bw = 0;
  for (int rep = 0; rep < 15; rep++) {
    double t0 = now();
#pragma omp parallel reduction(+ : sink)
    {
      int t = omp_get_thread_num(), nt = omp_get_num_threads();
      size_t per = n / nt / (4 * LANES) * (4 * LANES);
      const vf *p = (const vf *)(buf + t * per);
      vf s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
      for (size_t i = 0; i < per / LANES; i += 4) {
        s0 += p[i];
        s1 += p[i + 1];
        s2 += p[i + 2];
        s3 += p[i + 3];
      }
      vf s = s0 + s1 + s2 + s3;
      sink += s[0];
    }
    double dt = now() - t0;
    double gbs = n * sizeof(float) / dt / 1e9;
    if (gbs > bw) bw = gbs;
  }
  free(buf);
  printf("fma_gflops=%.1f read_gbs=%.1f vector_bits=%d threads=%d\n", best, bw, VBYTES * 8, threads);
  return sink == 12345.f;
}
