"""``python -m summarize_cli``."""

from .cli import main

if __name__ == "__main__":
    main(prog_name="summarize-cli")
