"""careerbot's evaluation suite: reference Q&A, metrics, report, release gate and
the calibration of the refusal models (modules ``calibrate``, ``gate``,
``metrics``, ``report``).

``evaluate(chain)`` scores what ``Chain.ask`` returns for every reference item;
``gate.check`` compares the metrics with the committed baseline.
"""

from core.exports import lazy_getattr

# The public surface: what other packages may import from this one, and from where.
_EXPORTS = {
    "SPLITS": "evals.suite",
    "Result": "evals.suite",
    "evaluate": "evals.suite",
    "load_items": "evals.suite",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
