"""Spreadsheet formula injection: a cell that starts like a formula is read as text.

The triggers are the site's one list (``livinglab.spreadsheets``); the dataset writers check a cell's first
character against this set in line, which is why it is a set of characters here.
"""

from livinglab.spreadsheets import FORMULA_TRIGGERS

FORMULA_PREFIXES = frozenset(FORMULA_TRIGGERS)


def safe_cell(value):
    """Text that a spreadsheet would evaluate gets a leading apostrophe; numbers and None pass through."""
    if isinstance(value, str) and value and value[0] in FORMULA_PREFIXES:
        return "'" + value
    return value
