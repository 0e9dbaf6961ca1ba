#!/usr/bin/env python3
"""Regenerates every committed fixture under Tests/Fixtures.

Each module in scripts/fixtures/ makes the fixtures of one area (models, tokenizers, chat
templates, metrics, pickles, ...) and exposes `main(out_dir: pathlib.Path)`. Run with the
reference stack (`scripts/ref-env`, then `.venv-ref/bin/python scripts/make_fixtures.py [area ...]`).
Tests only ever read the committed outputs; they never need Python.
"""
import importlib
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures"


def main(argv):
    sys.path.insert(0, str(ROOT / "scripts"))
    areas = argv or sorted(p.stem for p in (ROOT / "scripts" / "fixtures").glob("*.py") if not p.stem.startswith("_"))
    for area in areas:
        module = importlib.import_module(f"fixtures.{area}")
        print(f"fixtures: {area}")
        module.main(FIXTURES)


if __name__ == "__main__":
    main(sys.argv[1:])
