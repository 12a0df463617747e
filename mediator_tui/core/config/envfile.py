"""A `.env` file as an editable document that keeps every byte it does not change.

Parsing is python-dotenv's own, so what we read is what dotenv (and the
docker-compose habits of the tool we replace) read. Each binding keeps its
original text; an edit rewrites only that binding, so comments, order, blank
lines and unknown keys survive exactly.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

from dotenv.parser import parse_stream

from mediator_tui.core.atomic_file import write_text_atomic

# Values made only of these characters read back unchanged without quotes.
_SAFE_UNQUOTED = re.compile(r"[A-Za-z0-9_./:,@+\-=?&%~]*")
_HEAD = re.compile(r"(?P<lead>\s*)(?P<export>export\s+)?(?P<key>[^=\s]+)(?P<eq>\s*=\s*)", re.S)


class EnvFileError(ValueError):
    pass


@dataclass
class _Chunk:
    text: str
    key: str | None = None
    value: str | None = None


def quote_value(value: str) -> str:
    """The shortest spelling of `value` that python-dotenv reads back as `value`."""
    if _SAFE_UNQUOTED.fullmatch(value):
        return value
    # Single quotes: dotenv does no ${} interpolation inside them and unescapes only \\ and \'.
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _value_end(text: str, start: int) -> int:
    """Index just past the value that begins at `start` (quotes included; inline comment excluded)."""
    if start < len(text) and text[start] in "'\"":
        quote = text[start]
        i = start + 1
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == quote:
                return i + 1
            i += 1
        return len(text)
    line_end = text.find("\n", start) if "\n" in text[start:] else len(text)
    comment = re.search(r"\s+#", text[start:line_end])
    end = start + comment.start() if comment else line_end
    while end > start and text[end - 1] in " \t\r":
        end -= 1
    return end


class EnvFile:
    def __init__(self, text: str = "", path: Path | None = None):
        self.path = path
        self._chunks: list[_Chunk] = []
        self.errors: list[tuple[int, str]] = []
        for binding in parse_stream(io.StringIO(text)):
            original = binding.original.string
            if binding.error:
                self.errors.append((binding.original.line, original.strip()))
            self._chunks.append(_Chunk(original, binding.key, binding.value))

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> EnvFile:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise EnvFileError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise EnvFileError(f"{path}: is a directory, not a .env file") from None
        except UnicodeDecodeError as exc:
            raise EnvFileError(f"{path}: not UTF-8 text (byte {exc.start})") from None
        except OSError as exc:
            raise EnvFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        return cls(text, path)

    def text(self) -> str:
        return "".join(chunk.text for chunk in self._chunks)

    def values(self) -> dict[str, str]:
        """Keys to raw string values; a key set twice takes its last value, as dotenv does."""
        return {c.key: (c.value or "") for c in self._chunks if c.key is not None}

    def get(self, key: str) -> str | None:
        return self.values().get(key)

    def set(self, key: str, value: str) -> None:
        for chunk in reversed(self._chunks):
            if chunk.key == key:
                if chunk.value == value:
                    return
                chunk.text = self._rewrite(chunk.text, key, value)
                chunk.value = value
                return
        tail = self.text()
        prefix = "" if not tail or tail.endswith("\n") else "\n"
        self._chunks.append(_Chunk(f"{prefix}{key}={quote_value(value)}\n", key, value))

    @staticmethod
    def _rewrite(original: str, key: str, value: str) -> str:
        head = _HEAD.match(original)
        if not head or head.group("key") != key:
            return f"{key}={quote_value(value)}\n"
        start = head.end()
        end = _value_end(original, start)
        return original[:start] + quote_value(value) + original[end:]

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write atomically: a crash or a full disk leaves the old file as it was."""
        self.path = write_text_atomic(Path(path or self.path or ".env"), self.text())
        return self.path
