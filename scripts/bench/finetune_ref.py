#!/usr/bin/env python3
"""Reference side of `sft bench finetune`: LoRA (fp32, r=16, alpha 32 on q_proj,v_proj, AdamW
lr 1e-4) on exactly the batches sft wrote to .build/bench/finetune-batches.json, measured three ways:

  LoRA fp32 padded         transformers + PEFT, the training step of SFTTrainer without the
                           Trainer around it: batches padded to their longest row as TRL's
                           collator does (pad = EOS, label -100, attention mask 0), forward with
                           labels, backward, AdamW.
  TRL SFTTrainer.train()   TRL's own trainer on the same rows in the same order (batch size as
                           sft's, sequential sampler, TRL's collator, the given labels), with
                           TRL's defaults for everything the issue does not fix: gradient
                           checkpointing, grad-norm clipping, linear LR decay, the fused
                           chunked LM head and its per-step entropy / token-accuracy metrics.
  TRL, checkpointing off   the same with activation checkpointing off: the computation sft and
                           the bare step do (no forward recomputed in the backward).

Each prints real tokens/s after one warm-up step and the training phase's peak resident memory
(the high-water mark is reset after loading and the warm-up step, as sft's side does). The TRL
runs are child processes so their peaks are their own.
Usage: scripts/bench/finetune_ref.py [threads]   (run from the repository root)"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

BATCHES_FILE = pathlib.Path(".build/bench/finetune-batches.json")
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
LORA = dict(r=16, lora_alpha=32, target_modules=["q_proj", "v_proj"], lora_dropout=0.0)
LEARNING_RATE = 1e-4
TRL_FLAG = "--trl"
# TRL again with activation checkpointing off: the same computation as sft and the bare step (no
# recomputed forward), so the gap left is TRL's own per-step work.
NO_CHECKPOINTING_FLAG = "--trl-no-checkpointing"


def model_folder():
    cache = pathlib.Path(os.environ.get("SFT_MODEL_CACHE", pathlib.Path.home() / ".cache" / "sft" / "models"))
    return cache / "smollm2-135m-instruct"


def peak_rss():
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def reset_peak_rss():
    pathlib.Path("/proc/self/clear_refs").write_text("5")


def report(label, tokens, computed, seconds):
    print(f"{label:<24}{tokens / seconds:8.1f} tok/s   peak RSS {peak_rss() / 1e6:6.0f} MB   "
          f"fill {100 * tokens / computed:.0f}%", flush=True)


def bare_step(threads, batches):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(model_folder(), gguf_file=MODEL_FILE, dtype=torch.float32)
    pad = model.config.eos_token_id if isinstance(model.config.eos_token_id, int) else model.config.eos_token_id[0]
    lora = get_peft_model(model, LoraConfig(**LORA))
    lora.train()
    optimizer = torch.optim.AdamW([p for p in lora.parameters() if p.requires_grad], lr=LEARNING_RATE)

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
        return ids, labels, mask

    padded = [tensors(b) for b in batches]

    def step(ids, labels, mask):
        loss = lora(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

    step(*padded[0])  # warm-up, as sft's side
    reset_peak_rss()
    start = time.perf_counter()
    for ids, labels, mask in padded[1:]:
        step(ids, labels, mask)
    seconds = time.perf_counter() - start
    tokens = sum(len(row["input_ids"]) for b in batches[1:] for row in b)
    computed = sum(ids.numel() for ids, _, _ in padded[1:])
    print(f"\ntransformers {__import__('transformers').__version__} + peft {__import__('peft').__version__}, "
          f"torch {torch.__version__} (reference, {threads} threads)")
    report("LoRA fp32 padded", tokens, computed, seconds)


def trl_train(threads, batches, checkpointing=True):
    try:
        import torch
        import trl
        from datasets import Dataset
        from peft import LoraConfig
        from transformers import AutoModelForCausalLM, AutoTokenizer, PrinterCallback, TrainerCallback
        from trl import SFTConfig, SFTTrainer
        from trl.trainer.sft_trainer import DataCollatorForLanguageModeling
    except ImportError as error:
        print(f"TRL reference not installed ({error})")
        return
    # One per-device batch size must rebuild every batch (only the last may be short).
    batch_size = len(batches[0])
    if any(len(b) != batch_size for b in batches[:-1]) or len(batches[-1]) > batch_size:
        print(f"TRL reference skipped: batch sizes {[len(b) for b in batches]} cannot be replayed in order")
        return

    torch.set_num_threads(threads)
    model = AutoModelForCausalLM.from_pretrained(model_folder(), gguf_file=MODEL_FILE, dtype=torch.float32)
    # transformers dequantizes the GGUF into plain fp32 layers (the same model the bare step trains)
    # but keeps its GGUF quantizer attached, and Trainer refuses to train a "quantized" model.
    assert all(p.dtype == torch.float32 for p in model.parameters()), "expected a dequantized fp32 model"
    model.hf_quantizer.remove_quantization_config(model)
    tokenizer = AutoTokenizer.from_pretrained(model_folder(), gguf_file=MODEL_FILE)
    # Rows in batch order: a sequential sampler with sft's batch size rebuilds each batch as it was.
    rows = Dataset.from_list([{"input_ids": r["input_ids"], "labels": r["labels"]} for b in batches for r in b])

    # TRL's own collator (what SFTTrainer builds by default), wrapped only to record each batch's
    # shape so the run can check that it trained on the same padded batches as the bare step.
    collator = DataCollatorForLanguageModeling(pad_token_id=tokenizer.pad_token_id)
    shapes = []

    def collate(examples):
        batch = collator(examples)
        shapes.append(tuple(batch["input_ids"].shape))
        return batch

    # Times from the end of the warm-up step to the end of the last, so data loading, collation,
    # clipping, scheduler and callbacks between steps count, as they do for a user.
    class StepClock(TrainerCallback):
        start = end = None

        def on_step_end(self, args, state, control, **kwargs):
            if state.global_step == 1:
                reset_peak_rss()
                self.start = time.perf_counter()
            self.end = time.perf_counter()

    clock = StepClock()
    # Trainer creates its output directory even with saving off; a temporary one leaves nothing behind.
    output_dir = tempfile.TemporaryDirectory(prefix="sft-bench-trl-")
    config = SFTConfig(
        output_dir=output_dir.name,
        per_device_train_batch_size=batch_size,
        train_sampling_strategy="sequential",
        max_steps=len(batches),
        learning_rate=LEARNING_RATE,
        bf16=False,
        fp16=False,
        use_cpu=True,
        dataloader_num_workers=0,
        report_to="none",
        save_strategy="no",
        eval_strategy="no",
        logging_strategy="no",
        logging_steps=1_000_000,
        disable_tqdm=True,
        seed=0,
    )
    if not checkpointing:
        config.activation_checkpointing = False
    trainer = SFTTrainer(model=model, args=config, data_collator=collate, train_dataset=rows,
                         processing_class=tokenizer, peft_config=LoraConfig(**LORA), callbacks=[clock])
    trainer.remove_callback(PrinterCallback)  # its end-of-training summary would break the one-line output
    trainer.train()
    output_dir.cleanup()

    expected = [(len(b), max(len(r["input_ids"]) for r in b)) for b in batches]
    if shapes[:len(expected)] != expected:
        print(f"TRL reference invalid: trained on batches {shapes}, expected {expected}")
        return
    tokens = sum(len(row["input_ids"]) for b in batches[1:] for row in b)
    computed = sum(n * longest for n, longest in expected[1:])
    if checkpointing:
        print(f"trl {trl.__version__} with its defaults: activation checkpointing "
              f"{'on' if config.activation_checkpointing else 'off'}, max_grad_norm {config.max_grad_norm}, "
              f"{config.lr_scheduler_type.value} LR schedule")
        report("TRL SFTTrainer.train()", tokens, computed, clock.end - clock.start)
    else:
        report("TRL, checkpointing off", tokens, computed, clock.end - clock.start)


def main(threads, trl_flag):
    if not BATCHES_FILE.exists() or not (model_folder() / MODEL_FILE).exists():
        print(f"reference skipped: run `sft bench finetune` first ({BATCHES_FILE}) and fetch the model")
        return
    batches = json.loads(BATCHES_FILE.read_text())
    if trl_flag:
        trl_train(threads, batches, checkpointing=trl_flag == TRL_FLAG)
        return
    try:
        import peft  # noqa: F401
        import torch  # noqa: F401
        import transformers  # noqa: F401
    except ImportError:
        print("reference not installed")
        return
    bare_step(threads, batches)
    for flag in (TRL_FLAG, NO_CHECKPOINTING_FLAG):
        subprocess.run([sys.executable, __file__, str(threads), flag], check=False)


if __name__ == "__main__":
    flags = [a for a in sys.argv[1:] if a in (TRL_FLAG, NO_CHECKPOINTING_FLAG)]
    arguments = [a for a in sys.argv[1:] if a not in flags]
    main(int(arguments[0]) if arguments else os.cpu_count() or 1, flags[0] if flags else None)
