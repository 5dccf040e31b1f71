"""Benchmarks for valuegrad, run with ``python -m benchmarks`` (``--help`` for options).

Seven measurements, each the median of several timed runs after a warm-up, with the peers
(micrograd, PyTorch on 0-dim float64 tensors) measured in the same run, each in its own
interpreter with the samples interleaved, so that ratios are meaningful on a shared, noisy
machine:

1. ``moons``: one full-batch training step of MLP(2, [16, 16, 1]) on 100 moons points (hinge
   loss plus 1e-4 L2, SGD), against a hand-written pure-Python step (the speed limit).
2. ``ops``: forward + backward nanoseconds per op on a wide random DAG of ~25k nodes, framed
   by straight-line float code for the same DAG and a bare one-object-per-op engine.
3. ``depth``: a 10^6-node chain, forward + backward time and peak memory.
4. ``memory``: bytes per graph node for binary ops (tracemalloc).
5. ``digits``: one training epoch on the handwritten digits, by ``fit`` and by PyTorch.
6. ``fit-jit``: ``fit(jit=False | True | "auto")`` over 1 to 20 epochs on three problems.
7. ``jit-costs``: ``autograd.jit.CostModel``'s predictions against the times they model.

Peers that are not installed are skipped with a note. Nothing here is collected by pytest.
"""
