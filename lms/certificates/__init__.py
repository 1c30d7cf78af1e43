"""PDF certificates: rendering (``pdf``), the hardened URL fetcher (``fetcher``), storage and tasks.

See docs/certificates.md for the design and operations notes.
"""
