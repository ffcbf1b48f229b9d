"""One blueprint per face; each module exposes ``bp``. Views are thin: parse, call a service, render."""
