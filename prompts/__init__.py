"""Prompt texts as package data, one ``prompts/<name>.md`` file each, rendered strictly.

A template names its variables as ``{name}``; literal braces are written ``{{`` and ``}}``.
Rendering fails when a variable is missing or when one is given that the template does not use,
so a prompt edit and the code that fills it cannot drift apart silently.

>>> render("condense", history="User: Who besieges Derna?", question="Why?").splitlines()[-3]
'Last question: Why?'
"""

from __future__ import annotations

import string
from functools import lru_cache
from importlib import resources

__all__ = ["PromptError", "load", "render", "variables"]


class PromptError(ValueError):
    """A prompt file is missing or malformed, or was rendered with the wrong variables."""


@lru_cache(maxsize=32)
def load(name: str) -> str:
    """The template text of ``prompts/<name>.md`` (trailing whitespace removed)."""
    if not name.isidentifier():
        raise PromptError(f"bad prompt name {name!r}")
    try:
        text = resources.files(__name__).joinpath(f"{name}.md").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"no prompt file prompts/{name}.md") from None
    variables_of(text, name)  # fail on load, not on first use, when a template is malformed
    return text.rstrip()


def variables_of(template: str, name: str = "<template>") -> frozenset[str]:
    """The variable names a template uses.

    >>> sorted(variables_of("Q: {question} {{literal}} {passages}"))
    ['passages', 'question']
    """
    found: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:
        raise PromptError(f"prompt {name}: {e}") from None
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise PromptError(
                f"prompt {name}: only plain {{name}} fields are allowed, found {{{field}}}"
            )
        found.add(field)
    return frozenset(found)


def variables(name: str) -> frozenset[str]:
    """The variable names ``prompts/<name>.md`` expects.

    >>> sorted(variables("answer_user"))
    ['conversation', 'passages', 'question']
    """
    return variables_of(load(name), name)


def render(name: str, **values: str) -> str:
    """``prompts/<name>.md`` with every ``{variable}`` filled; values are inserted verbatim.

    >>> render("answer_user", question="Why?")
    Traceback (most recent call last):
    ...
    prompts.PromptError: prompt answer_user: missing variable(s) conversation, passages
    """
    template = load(name)
    expected = variables_of(template, name)
    missing = expected - values.keys()
    unknown = values.keys() - expected
    if missing:
        raise PromptError(f"prompt {name}: missing variable(s) {', '.join(sorted(missing))}")
    if unknown:
        raise PromptError(f"prompt {name}: unknown variable(s) {', '.join(sorted(unknown))}")
    return template.format_map({k: str(v) for k, v in values.items()})
