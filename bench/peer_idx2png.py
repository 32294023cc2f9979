"""Bench peer for idx2png: the same import written the usual Python way
(gzip + numpy + PIL), one PNG per image in class directories."""
import gzip
import os
import sys

import numpy as np
from PIL import Image


def main(images, labels, out):
    with gzip.open(labels, "rb") as f:
        lab = np.frombuffer(f.read(), np.uint8, offset=8)
    with gzip.open(images, "rb") as f:
        img = np.frombuffer(f.read(), np.uint8, offset=16).reshape(len(lab), 28, 28)
    for c in np.unique(lab):
        os.makedirs(os.path.join(out, str(c)), exist_ok=True)
    for i, (a, c) in enumerate(zip(img, lab)):
        Image.fromarray(a).save(os.path.join(out, str(c), "%05d.png" % i))


main(*sys.argv[1:4])
