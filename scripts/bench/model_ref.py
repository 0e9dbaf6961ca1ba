#!/usr/bin/env python3
"""Reference side of `sft bench load|prefill|decode|train`: transformers (+ PEFT) on the same
SmolLM2-135M-Instruct GGUF (dequantized to float32), the same sizes, 1 and N torch threads.
Run by scripts/bench/run with the reference venv; compare with sft's table as ratios."""
import os
import pathlib
import sys
import time

PROMPT, DECODE, BATCH, LENGTH, STEPS = 128, 64, 4, 256, 2


def best(repeats, body):
    body()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return min(times)


def main(threads):
    try:
        import torch
        from transformers import AutoModelForCausalLM
    except ImportError:
        print("reference not installed")
        return
    cache = pathlib.Path(os.environ.get("SFT_MODEL_CACHE", pathlib.Path.home() / ".cache" / "sft" / "models"))
    folder, file = cache / "smollm2-135m-instruct", "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not (folder / file).exists():
        print(f"reference skipped: {folder / file} absent")
        return
    start = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=file, dtype=torch.float32).eval()
    rows = [("load (GGUF dequantized)", "-", f"{time.perf_counter() - start:.2f} s")]
    g = torch.Generator().manual_seed(3)
    vocab = model.config.vocab_size
    for t in sorted({1, threads}):
        torch.set_num_threads(t)
        prompt = torch.randint(0, vocab, (1, PROMPT), generator=g)
        with torch.no_grad():
            seconds = best(2, lambda: model(prompt, use_cache=True))
        rows.append((f"prefill {PROMPT} tokens", str(t), f"{PROMPT / seconds:.1f} tok/s"))
        short = torch.randint(0, vocab, (1, 16), generator=g)
        with torch.no_grad():
            seconds = best(1, lambda: model.generate(short, max_new_tokens=DECODE, min_new_tokens=DECODE, do_sample=False,
                                                     pad_token_id=0))
        rows.append((f"decode {DECODE} tokens", str(t), f"{DECODE / seconds:.1f} tok/s"))
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError:
        print("reference PEFT not installed")
    else:
        lora = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules=["q_proj", "v_proj"]))
        lora.train()
        optimizer = torch.optim.AdamW([p for p in lora.parameters() if p.requires_grad], lr=1e-4)
        ids = torch.randint(0, vocab, (BATCH, LENGTH), generator=g)

        def step():
            loss = lora(input_ids=ids, labels=ids).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        for t in sorted({1, threads}):
            torch.set_num_threads(t)
            seconds = best(STEPS, step)
            rows.append((f"LoRA train {BATCH}x{LENGTH}", str(t), f"{BATCH * LENGTH / seconds:.1f} tok/s"))
    width = max(len(r[0]) for r in rows)
    print(f"\ntransformers {__import__('transformers').__version__}, torch {torch.__version__} (reference)")
    for what, t, speed in rows:
        print(f"{what:<{width}}  {t:>7}  {speed:>14}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else os.cpu_count() or 1)
