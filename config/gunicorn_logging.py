"""gunicorn's access log without personal data: URLs and referrers go through ``config.logging.redact``.

Set in gunicorn.conf.py (``logger_class``). ``?email=…`` and other personal query values become
``[redacted]``, email addresses ``[email]``; the rest of the line is gunicorn's usual format.
"""

from gunicorn.glogging import Logger

from config.logging import redact

URL_ATOMS = ("r", "U", "q", "f", "{referer}i", "{Referer}i")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in URL_ATOMS:
            if isinstance(atoms.get(name), str):
                atoms[name] = redact(atoms[name])
        return atoms
