"""送教手册: a printable handbook (PDF via typst, and .docx) for every child taught at home.

``compile_handbooks(config)`` is the entry point; ``data`` builds each child's record,
``pdf``/``word`` lay it out, ``build`` makes it incremental and parallel.
"""

from .build import FORMATS, HandbookResult, compile_handbooks, write_handbooks
from .data import ChildRecord, HandbookError, build_records

__all__ = ["FORMATS", "ChildRecord", "HandbookError", "HandbookResult", "build_records",
           "compile_handbooks", "write_handbooks"]
