"""Errors a user can fix; the message names the file, feature or column and what to do."""


class InputError(ValueError):
    """Bad input (missing column, unreadable file, invalid parameter). CLIs exit with code 2 on it."""
