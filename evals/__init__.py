"""careerbot's evaluation suite: reference Q&A, metrics, report, release gate and
the calibration of the refusal models.

``evaluate(chain)`` scores what ``Chain.ask`` returns for every reference item;
``gate.check`` compares the metrics with the committed baseline.
"""

from evals.suite import SPLITS, Result, evaluate, load_items

__all__ = ["SPLITS", "Result", "evaluate", "load_items"]
