"""The SliceErrorAnalyzer's bad-input error (exit code 2 in `dcai slices`, see tfx_dcai.command)."""
from tfx_dcai.errors import InputError


class SliceInputError(InputError):
    """Input the analysis cannot use; the message names the column, file or parameter and what to change."""
