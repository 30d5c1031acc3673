"""`make bench`: speed, memory and accuracy of config.yml against Rasa's default config.

    .venv/bin/python -m bench.run --out results/bench [--quick]

A benchmark, not a test: it measures and reports, it asserts nothing about timings.
"""
