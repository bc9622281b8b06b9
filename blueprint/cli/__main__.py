"""`python -m blueprint.cli`."""

from blueprint.cli import main

main()
