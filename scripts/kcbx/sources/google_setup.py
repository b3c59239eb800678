"""What the ``kcbx google`` commands need before talking to Google, without loading gspread
(so that every other command starts without it)."""

from __future__ import annotations

from ..errors import KcbxError

ENV_CREDENTIALS = "KCBX_GOOGLE_CREDENTIALS"


class GoogleSetupError(KcbxError):
    """Google credentials that cannot be found or used (a Chinese message says why)."""
