"""careerbot's question side: settings, embedder, store, retrieval, answers, CLI."""
