# The README's commands. Everything installs what it needs first (scripts/bootstrap).
# Tests need -enable-testing (they use @testable); the demo and benchmarks build plain release.
TEST_FLAGS = -c release -Xswiftc -enable-testing --disable-swift-testing

.PHONY: bootstrap build release test demo bench fixtures

bootstrap:
	@scripts/bootstrap

build: bootstrap
	swift build

release: bootstrap
	swift build -c release

# Tests run in a release build (SIMD kernels at -Onone are too slow for real sizes); that one
# build also gives the sft binary the end-to-end checks drive. The build without the Python
# bridge only has to prove it compiles and links without libpython, so it is a debug build.
test: bootstrap
	scripts/fetch-model smollm2-135m-instruct >/dev/null
	swift test $(TEST_FLAGS)
	swift build --disable-default-traits --scratch-path .build-nobridge

# The quickstart: LoRA on SmolLM2-135M-Instruct, eval before/after, a sample (about a minute here).
demo: release
	scripts/fetch-model smollm2-135m-instruct >/dev/null
	.build/release/sft run recipes/quickstart.sft

bench: release
	@scripts/bench/run

# Regenerates the committed fixtures; needs the Python reference stack (scripts/ref-env).
fixtures:
	scripts/ref-env
	.venv-ref/bin/python scripts/make_fixtures.py
