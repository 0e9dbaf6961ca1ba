#!/usr/bin/env python3
"""Reference for `sft bench tokenizer`: encode throughput of the Rust-backed `tokenizers`
package, one thread, on the corpus file the Swift side wrote (documents separated by U+001E).
Prints one JSON line: wall and thread-CPU seconds, bytes, tokens and an id checksum the Swift side compares."""
import argparse
import json
import os
import time

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from tokenizers import Tokenizer  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--folder", required=True, help="folder with tokenizer.json")
    parser.add_argument("--corpus", required=True)
    args = parser.parse_args()
    tokenizer = Tokenizer.from_file(os.path.join(args.folder, "tokenizer.json"))
    with open(args.corpus, encoding="utf-8") as f:
        documents = f.read().split("\x1e")
    for d in documents[:50]:
        tokenizer.encode(d, add_special_tokens=False)
    tokens = 0
    checksum = 0
    start, cpu_start = time.perf_counter(), time.thread_time()
    for d in documents:
        ids = tokenizer.encode(d, add_special_tokens=False).ids
        tokens += len(ids)
    seconds, cpu_seconds = time.perf_counter() - start, time.thread_time() - cpu_start
    # Checksum outside the timed loop: the same rolling hash as the Swift side, mod 2^63.
    for d in documents:
        for i in tokenizer.encode(d, add_special_tokens=False).ids:
            checksum = (checksum * 31 + i) & 0x7FFFFFFFFFFFFFFF
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "bytes": sum(len(d.encode()) for d in documents), "tokens": tokens,
                      "checksum": checksum}))


if __name__ == "__main__":
    main()
