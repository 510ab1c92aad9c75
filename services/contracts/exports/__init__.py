"""Exports of a CCC version in the template layout: JSON, CSV per table, an HTML report."""
