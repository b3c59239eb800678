"""``python -m kcbx``: the same as the ``kcbx`` command."""

from kcbx.cli import main

if __name__ == "__main__":
    main()
