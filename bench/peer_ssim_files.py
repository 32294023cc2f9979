"""Bench peer for ssimpair: for each line group<TAB>a<TAB>b, decode both
images with PIL and compute scikit-image's SSIM with the paper's settings.
One process, as a user's script would."""
import sys

import numpy as np
from PIL import Image
from skimage.metrics import structural_similarity


def main(path):
    total = 0.0
    with open(path) as pairs:
        for line in pairs:
            _, a, b = line.rstrip("\n").split("\t")[:3]
            x, y = np.asarray(Image.open(a)), np.asarray(Image.open(b))
            total += structural_similarity(x, y, gaussian_weights=True, sigma=1.5,
                                           use_sample_covariance=False, data_range=255)
    print(total)


main(sys.argv[1])
