"""The district as forms need it (the model lives in :mod:`kcbx.district`)."""

from __future__ import annotations

from ...district import DistrictError, load_district

FormsError = DistrictError  # forms cannot be made without a usable reference workbook

__all__ = ["FormsError", "load_district"]
