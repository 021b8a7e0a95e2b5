"""careerbot's evaluation suite: reference Q&A, metrics, report and release gate."""
