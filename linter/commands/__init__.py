"""Sub-commands: each module has ``add_parser(subparsers)`` and a ``run(args) -> int`` that
the parser's ``func`` default points to; linter.commands.common holds the option groups."""
