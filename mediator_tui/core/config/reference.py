"""The configuration reference in the README and `sample.env`, generated from the schema.

`python -m mediator_tui.core.config.reference` rewrites both; a test fails when they drift.
"""

from __future__ import annotations

from mediator_tui.core.config.envfile import quote_value
from mediator_tui.core.config.schema import GROUPS, SETTINGS
from mediator_tui.core.config.validate import project_root

README_BEGIN = "<!-- config-reference:begin -->"
README_END = "<!-- config-reference:end -->"


def markdown_table() -> str:
    rows = ["| key | group | type | default | meaning |", "|---|---|---|---|---|"]
    for s in SETTINGS:
        kind = f"{s.kind}: {' / '.join(s.choices)}" if s.choices else s.kind
        secret = " (secret: masked in every output)" if s.secret else ""
        default = f"`{s.default}`" if s.default else "(empty)"
        rows.append(f"| `{s.key}` | {s.group} | {kind} | {default} | {s.help}{secret} |")
    return "\n".join(rows)


def sample_env() -> str:
    lines = [
        "# mediator-tui configuration. Names are those of aries-mediator-service load-testing,",
        "# so an existing .env keeps working. Copy to .env and edit, or use the TUI's config screen.",
        "# Check it with: mediator-tui config check --env .env",
    ]
    for group in GROUPS:
        lines += ["", f"# --- {group} ---"]
        for s in (s for s in SETTINGS if s.group == group):
            choices = f" [{' | '.join(s.choices)}]" if s.choices else ""
            lines.append(f"# {s.help}{choices}")
            lines.append(f"{s.key}={quote_value(s.default)}")
    return "\n".join(lines) + "\n"


def readme_with_reference(readme: str) -> str:
    head, begin, rest = readme.partition(README_BEGIN)
    _, end, tail = rest.partition(README_END)
    if not begin or not end:
        raise ValueError(f"README lacks the {README_BEGIN} / {README_END} markers")
    return f"{head}{README_BEGIN}\n{markdown_table()}\n{README_END}{tail}"


def main() -> None:
    root = project_root()
    (root / "sample.env").write_text(sample_env(), encoding="utf-8")
    readme = root / "README.md"
    readme.write_text(readme_with_reference(readme.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
