#!/usr/bin/env python3
"""Reference side of `sft bench finetune`: transformers + PEFT LoRA (fp32, r=16, alpha 32 on
q_proj,v_proj, AdamW lr 1e-4) on exactly the batches sft wrote to
.build/bench/finetune-batches.json, padded to the longest row of each batch as TRL's
collator does (pad = EOS, label -100, attention mask 0) - the training step of SFTTrainer
without the Trainer around it. Prints real tokens/s and the training phase's peak resident
memory (the high-water mark is reset after loading, as sft's side does).
Usage: scripts/bench/finetune_ref.py [threads]   (run from the repository root)"""
import json
import os
import pathlib
import sys
import time


def peak_rss():
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def main(threads):
    try:
        import torch
        from peft import LoraConfig, get_peft_model
        from transformers import AutoModelForCausalLM
    except ImportError:
        print("reference not installed")
        return
    batches_file = pathlib.Path(".build/bench/finetune-batches.json")
    cache = pathlib.Path(os.environ.get("SFT_MODEL_CACHE", pathlib.Path.home() / ".cache" / "sft" / "models"))
    folder, file = cache / "smollm2-135m-instruct", "SmolLM2-135M-Instruct.Q4_1.gguf"
    if not batches_file.exists() or not (folder / file).exists():
        print(f"reference skipped: run `sft bench finetune` first ({batches_file}) and fetch the model")
        return
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=file, dtype=torch.float32)
    pad = model.config.eos_token_id if isinstance(model.config.eos_token_id, int) else model.config.eos_token_id[0]
    lora = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, target_modules=["q_proj", "v_proj"], lora_dropout=0.0))
    lora.train()
    optimizer = torch.optim.AdamW([p for p in lora.parameters() if p.requires_grad], lr=1e-4)

    def tensors(batch):
        longest = max(len(row["input_ids"]) for row in batch)
        ids = torch.full((len(batch), longest), pad)
        labels = torch.full((len(batch), longest), -100)
        mask = torch.zeros((len(batch), longest), dtype=torch.long)
        for r, row in enumerate(batch):
            n = len(row["input_ids"])
            ids[r, :n] = torch.tensor(row["input_ids"])
            labels[r, :n] = torch.tensor(row["labels"])
            mask[r, :n] = 1
        return ids, labels, mask, sum(len(row["input_ids"]) for row in batch)

    batches = [tensors(b) for b in json.loads(batches_file.read_text())]

    def step(ids, labels, mask):
        loss = lora(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    step(*batches[0][:3])  # warm-up, as sft's side
    pathlib.Path("/proc/self/clear_refs").write_text("5")
    start = time.perf_counter()
    for ids, labels, mask, _ in batches[1:]:
        step(ids, labels, mask)
    seconds = time.perf_counter() - start
    tokens = sum(b[3] for b in batches[1:])
    computed = sum(b[0].numel() for b in batches[1:])
    print(f"\ntransformers {__import__('transformers').__version__} + peft {__import__('peft').__version__}, "
          f"torch {torch.__version__} (reference, {threads} threads)")
    print(f"LoRA fp32 padded   {tokens / seconds:8.1f} tok/s   peak RSS {peak_rss() / 1e6:6.0f} MB   fill {100 * tokens / computed:.0f}%")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else os.cpu_count() or 1)
