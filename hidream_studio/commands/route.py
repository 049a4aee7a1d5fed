"""Placeholder: the owner of this command replaces this module."""


def register(subparsers) -> None:  # noqa: ARG001 - filled in by the command's owner
    return None
