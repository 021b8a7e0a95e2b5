"""careerbot's corpus side: loading, cleaning, chunking and indexing documents."""
