"""kcbx — 控辍保学: a district's monitoring of compulsory-school attendance, with no server.

The package follows the pipeline: ``sources`` (read what schools send) → ``tables``
(typed, normalised tables and snapshots) → ``validation`` (schema checks and policy rules)
→ ``outputs`` (feedback, reports, handbooks, site). ``cli`` is a thin click layer on top.
"""

__version__ = "0.1.0"
