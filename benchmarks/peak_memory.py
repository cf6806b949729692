"""The benchmarks' one peak-memory reader: this process's VmHWM (peak resident set), in MB.

`resource.getrusage(...).ru_maxrss` is not used: Linux keeps the parent's peak across fork and exec, so a child
measured that way reports at least its parent's peak.
"""


def peak_rss_mb() -> float:
    """VmHWM of this process, in MB (Linux)."""
    with open("/proc/self/status") as status:  # local: the kernel's process status
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
