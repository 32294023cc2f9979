"""Bench peer for the classifier engine: PyTorch's CPU training and
inference of the same network (CIFAR resnet20, as lib/nn/model builds it) on
random data, as bench/nn_bench.c times simbal's.  Usage: peer_train.py
SIZE CHANNELS BATCH STEPS THREADS; prints training and inference images
per second."""
import sys
import time

import torch
import torch.nn.functional as F

from torch_resnet import resnet20


def main(size, channels, batch, steps, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    m = resnet20(channels)
    opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    x = torch.rand(batch, channels, size, size)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        F.cross_entropy(m(x), y).backward()
        opt.step()

    for _ in range(2):  # as nn_bench: the first steps allocate
        step()
    t = time.perf_counter()
    for _ in range(steps):
        step()
    train = batch * steps / (time.perf_counter() - t)
    m.eval()
    with torch.no_grad():
        t = time.perf_counter()
        for _ in range(steps):
            m(x)
        infer = batch * steps / (time.perf_counter() - t)
    print("%.0f\t%.0f" % (train, infer))


main(*(int(a) for a in sys.argv[1:6]))
