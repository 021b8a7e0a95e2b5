"""careerbot's corpus side: loading, cleaning, chunking and indexing documents.

``ingest(settings)`` brings the index up to date with the corpus folder
(incrementally); ``coverage`` reports what is indexed; ``save_upload`` checks
and stores an uploaded file.
"""

from ingest.index import IngestError, IngestSummary, ingest
from ingest.loaders import SUPPORTED, load
from ingest.report import CoverageReport, coverage
from ingest.uploads import UploadError, save_upload

__all__ = ["SUPPORTED", "CoverageReport", "IngestError", "IngestSummary", "UploadError",
           "coverage", "ingest", "load", "save_upload"]
