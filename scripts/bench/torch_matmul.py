"""PyTorch's GFLOP/s on the matmul shapes of `sft bench matmul` (x @ W.T, float32, CPU), with 1 and
2 intra-op threads: the Python stack's figure for the same work, printed beside ours."""
import time

import torch

SHAPES = [("135M", "q/o proj", 512, 576, 576), ("135M", "gate/up", 512, 576, 1536), ("135M", "down", 512, 1536, 576),
          ("135M", "lm head", 512, 576, 49152), ("GPT-2", "c_attn", 512, 768, 2304),
          ("GPT-2", "attn c_proj", 512, 768, 768), ("GPT-2", "c_fc", 512, 768, 3072),
          ("GPT-2", "mlp c_proj", 512, 3072, 768), ("GPT-2", "lm head", 512, 768, 50257)]


def best_seconds(fn, min_seconds=0.4, max_repeats=10):
    fn()
    best, total, runs = float("inf"), 0.0, 0
    while runs < 2 or (total < min_seconds and runs < max_repeats):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        best, total, runs = min(best, elapsed), total + elapsed, runs + 1
    return best


def main():
    print(f"\ntorch {torch.__version__} matmul x @ W.T (float32), GFLOP/s")
    print(f"{'model':6} {'layer':12} {'M':>4} {'K':>5} {'N':>6} {'1 thr':>8} {'2 thr':>8}")
    for model, layer, m, k, n in SHAPES:
        a, w = torch.randn(m, k), torch.randn(n, k) * 0.05
        rates = []
        for threads in (1, 2):
            torch.set_num_threads(threads)
            seconds = best_seconds(lambda: a @ w.T)
            rates.append(2 * m * n * k / seconds / 1e9)
        print(f"{model:6} {layer:12} {m:>4} {k:>5} {n:>6} {rates[0]:>8.1f} {rates[1]:>8.1f}")


if __name__ == "__main__":
    main()
