"""Run the command line as `python -m bulletin`."""

from bulletin.cli import main

main()
