"""`python -m ocrbill` runs the command line."""

from .cli import main

main()
