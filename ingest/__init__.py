"""careerbot's corpus side: loading, cleaning, chunking and indexing documents.

``ingest(settings)`` brings the index up to date with the corpus folder
(incrementally); ``coverage`` reports what is indexed; ``save_upload`` checks
and stores an uploaded file.
"""

from core.exports import lazy_getattr

# The public surface: what other packages may import from this one, and from where.
_EXPORTS = {
    "IngestError": "ingest.index",
    "IngestSummary": "ingest.index",
    "ingest": "ingest.index",
    "SUPPORTED": "ingest.loaders",
    "load": "ingest.loaders",
    "THIN_TOKENS": "ingest.report",
    "CoverageReport": "ingest.report",
    "coverage": "ingest.report",
    "UploadError": "ingest.uploads",
    "save_upload": "ingest.uploads",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
