"""Bench peer for imgcat: decode every image of a manifest with PIL
(optionally resizing, box filter when shrinking, bilinear when growing),
and write the raw pixels to stdout."""
import sys

from PIL import Image


def main(argv):
    size = None
    if argv[0] == "--size":
        size = int(argv[1])
        argv = argv[2:]
    out = sys.stdout.buffer
    with open(argv[0]) as manifest:
        for line in manifest:
            path = line.split("\t", 1)[0]
            im = Image.open(path)
            im.load()
            if size:
                im = im.resize((size, size), Image.BILINEAR if size > im.width else Image.BOX)
            out.write(im.tobytes())


main(sys.argv[1:])
