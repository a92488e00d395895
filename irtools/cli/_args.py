"""Option types of the command line: a value that cannot work is refused while parsing.

Each type raises argparse.ArgumentTypeError, which `Parser.error` prints as one line
with exit code 2 (argparse's own code for a bad command line).
"""

from __future__ import annotations

import argparse
import math
import re


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: what is wrong, and where the help is.

    argparse prints the whole usage first, eight lines for `irtools run`; the promise of
    irtools is one line for any error. Subparsers are made of this class too."""

    def error(self, message):
        message = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {message}; see '{self.prog} --help'\n")


def count(minimum: int = 1, maximum: int | None = None):
    """A whole number of at least `minimum` (and at most `maximum`)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"must be at most {maximum}, got {value}")
        return value
    parse.__name__ = "count"   # argparse names the type in some messages
    return parse


def seconds(text: str) -> float:
    """A time limit: a finite number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds above 0, got {text}")
    return value


def port(text: str) -> int:
    """A TCP port a program may listen on."""
    return count(1, 65535)(text)


def seed(text: str) -> int:
    """A seed for numpy's generator: 0 to 2**64 - 1."""
    return count(0, (1 << 64) - 1)(text)


def regex(text: str) -> str:
    """A regular expression that compiles (kept as text: the core compiles it)."""
    try:
        re.compile(text)
    except re.error as err:
        raise argparse.ArgumentTypeError(f"not a valid regular expression {text!r}: {err}") from None
    return text


def seconds_value(text: str, option: str) -> float:
    """`seconds` for an option read by hand (after `--` in `ir capture`): a UsageError."""
    from irtools.errors import UsageError

    try:
        return seconds(text)
    except argparse.ArgumentTypeError as err:
        raise UsageError(f"{option}: {err}") from None



def percent(text: str) -> float:
    """A percentage, 0 or more (5 for 5%), returned as a fraction (0.05)."""
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a percentage, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite percentage of 0 or more, got {text}")
    return value / 100


def level(text: str) -> float:
    """A confidence level between 0 and 1 (0.95), or a percentage (95)."""
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a confidence level, got {text!r}") from None
    if value > 1:
        value /= 100
    if not 0.5 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be from 0.5 up to (not including) 1, got {text}")
    return value
