"""MkDocs hook: the CLI reference is the typer application's own help, generated at build time.

``docs/cli.md`` holds the marker ``<!-- cli-reference -->``; this hook replaces it with
``graphmodel COMMAND --help`` for every command (and sub-command), in the order ``--help`` lists
them, so the page cannot drift from the program. ``python docs/hooks/cli_reference.py`` prints it.
"""

from __future__ import annotations

MARKER = "<!-- cli-reference -->"


def _commands():
    """(full command words, click command) for the root and every (sub)command, depth first."""
    import typer

    from graphmodel.cli.main import app

    root = typer.main.get_command(app)
    out = []

    def walk(words, cmd):
        out.append((words, cmd))
        for name in getattr(cmd, "list_commands", lambda ctx: [])(None):
            sub = cmd.get_command(None, name)
            if sub is not None and not getattr(sub, "hidden", False):
                walk(words + [name], sub)

    walk(["graphmodel"], root)
    return out


def _help(words):
    from typer.testing import CliRunner

    from graphmodel.cli.main import app

    result = CliRunner().invoke(app, [*words[1:], "--help"], terminal_width=100, env={"COLUMNS": "100"})
    if result.exit_code != 0:
        raise RuntimeError(f"{' '.join(words)} --help failed: {result.output}")
    return result.output.rstrip()


def render() -> str:
    parts = []
    for words, _ in _commands():
        title = " ".join(words)
        level = "##" if len(words) <= 2 else "###"
        parts.append(f"{level} `{title}`\n\n```text\n$ {title} --help\n{_help(words)}\n```\n")
    return "\n".join(parts)


def on_page_markdown(markdown, page, config, files):  # noqa: ARG001 (mkdocs hook signature)
    if MARKER in markdown:
        return markdown.replace(MARKER, render())
    return markdown


if __name__ == "__main__":
    print(render())
