"""Sources: where submissions come from (a folder of workbooks, Google Sheets).

A source yields :class:`RawWorkbook` objects — sheets as rows of cell values with the
row numbers the school sees — and knows nothing about tables or schemas.
"""

from . import folder, google_source, mail  # noqa: F401 - each registers its source with base
from .raw import RawSheet, RawWorkbook, SourceProblem, Unchanged
from .xlsx import WORKBOOK_SUFFIXES, list_workbooks, read_workbook

__all__ = [
    "WORKBOOK_SUFFIXES",
    "RawSheet",
    "RawWorkbook",
    "SourceProblem",
    "Unchanged",
    "list_workbooks",
    "read_workbook",
]
