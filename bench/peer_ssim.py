"""Bench peer for the SSIM kernel: scikit-image's structural_similarity
with the paper's settings on two in-memory images (b = a + noise, as
bench/ssim_kernel.c makes them).  Usage: peer_ssim.py SIZE CHANNELS PAIRS;
prints pairs per second."""
import sys
import time

import numpy as np
from skimage.metrics import structural_similarity


def main(size, channels, pairs):
    rng = np.random.default_rng(1)
    shape = (size, size) if channels == 1 else (size, size, channels)
    a = rng.integers(0, 256, shape).astype(np.uint8)
    b = ((a.astype(int) + rng.integers(0, 64, shape)) % 256).astype(np.uint8)
    extra = {} if channels == 1 else {"channel_axis": 2}
    t = time.perf_counter()
    for _ in range(pairs):
        structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
                              use_sample_covariance=False, data_range=255, **extra)
    print("%.0f" % (pairs / (time.perf_counter() - t)))


main(*(int(x) for x in sys.argv[1:4]))
