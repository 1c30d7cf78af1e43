"""xAPI 1.0.3 statements to Learning Record Stores (docs/xapi.md): builders in ``statements``,
cursors and HTTP in ``delivery``, worker tasks in ``tasks``."""
