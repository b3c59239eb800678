"""Outputs: what kcbx makes from a validated pull (feedback, reports, handbooks, site)."""
