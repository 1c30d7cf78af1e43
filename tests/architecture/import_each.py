"""Import every plugin module on its own, each in a new process (run by test_imports.py).

The parent sets Django up once (settings, app registry, the plugin's models). Each module is then
imported in a forked child from which every plugin module except the models and app configs has
been removed first, so the module is imported as if it were the first thing the program touched:
an import cycle or an import-order dependency fails the child with its traceback. Models, app
configs and ``wagtail_hooks`` stay, because Django and Wagtail load them once per process, at
setup (a model class or a snippet registers once).

Prints one JSON object: {"checked": [...], "failed": {module: traceback}}.
"""

import importlib
import json
import os
import sys
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("lms", "courses", "api")


def plugin_modules() -> list[str]:
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def kept(name: str) -> bool:
    """Modules that must stay loaded in the child: top packages, app configs, models and the
    ``wagtail_hooks`` registrations (Django and Wagtail load those once per process, at setup)."""
    parts = name.split(".")
    return len(parts) == 1 or parts[-1] in ("apps", "wagtail_hooks") or "models" in parts


def import_alone(name: str) -> str | None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(read)
        for loaded in [m for m in sys.modules if m.split(".")[0] in PACKAGES and not kept(m)]:
            del sys.modules[loaded]
        try:
            importlib.import_module(name)
            error = ""
        except BaseException:
            error = traceback.format_exc()
        os.write(write, error.encode())
        os.close(write)
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode() or None


def main() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    modules = plugin_modules()
    failed = {name: error for name in modules if (error := import_alone(name))}
    print(json.dumps({"checked": modules, "failed": failed}))


if __name__ == "__main__":
    main()
