"""glibc's allocator hands every block over 32 MB back to the kernel when it is freed (mmap/munmap), so
each training step faults its large activations in again: on this VM small CNN steps spent 40 % of
their time in the kernel (3.7 s a step; 0.93 s once freed memory is kept). The thresholds are read when
the process starts, so the script starts itself again with them set."""
import os, sys

KEEP = str(1 << 32)


def keep_freed_memory():
    if os.environ.get("MALLOC_MMAP_THRESHOLD_") == KEEP:
        return
    os.environ["MALLOC_MMAP_THRESHOLD_"] = KEEP
    os.environ["MALLOC_TRIM_THRESHOLD_"] = KEEP
    os.execv(sys.executable, [sys.executable] + sys.argv)
