"""Bench peer for the diffusion model: PyTorch on the CPU training and
sampling the same UNet (bench/torch_unet.py's, as lib/nn/arch_unet builds
it) as difftrain and diffsample do: a training step is the mean squared
error of v = sqrt(ᾱ) ε - sqrt(1 - ᾱ) x0 at uniform t of the cosine
schedule (difftrain's default --predict v), labels dropped
with probability 0.1, AdamW; sampling is DDIM (η = 0) of STEPS steps
with classifier-free guidance (both passes in one batch of 2n), the
answer turned into ε.  Random
images, so that only the arithmetic is timed.  Usage: peer_diffusion.py
SIZE CHANNELS BATCH TRAIN_STEPS SAMPLES SAMPLE_STEPS THREADS; prints
training and sampling images per second."""
import math
import sys
import time

import torch
import torch.nn.functional as F

from torch_unet import UNet

CLASSES = 10
T = 1000


def cosine_alpha_bar():
    def f(u):
        return math.cos((u + 0.008) / 1.008 * math.pi / 2) ** 2
    betas = [min(1 - f((i + 1) / T) / f(i / T), 0.999) for i in range(T)]
    return torch.cumprod(1 - torch.tensor(betas, dtype=torch.float64), 0)


def train_rate(m, abar, size, channels, batch, steps):
    opt = torch.optim.AdamW(m.parameters(), lr=2e-4, weight_decay=0)
    x0 = torch.rand(batch, channels, size, size) * 2 - 1

    def step():
        t = torch.randint(0, T, (batch,))
        y = torch.randint(0, CLASSES, (batch,))
        y[torch.rand(batch) < 0.1] = CLASSES
        eps = torch.randn_like(x0)
        a = abar[t].float().view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * eps
        opt.zero_grad()
        v = a.sqrt() * eps - (1 - a).sqrt() * x0
        F.mse_loss(m(xt, t.float(), y), v).backward()
        opt.step()

    step()  # the first step allocates
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return batch * steps / (time.perf_counter() - start)


def sample_rate(m, abar, size, channels, n, steps, w=2.0):
    kept = [round(i * (T - 1) / (steps - 1)) for i in range(steps)]
    y = torch.randint(0, CLASSES, (n,))
    labels = torch.cat([y, torch.full((n,), CLASSES)])
    start = time.perf_counter()
    with torch.no_grad():
        x = torch.randn(n, channels, size, size)
        for k in range(steps - 1, -1, -1):
            t = kept[k]
            a, prev = abar[t].item(), abar[kept[k - 1]].item() if k else 1.0
            out = m(torch.cat([x, x]), torch.full((2 * n,), float(t)), labels)
            v = out[n:] + w * (out[:n] - out[n:])
            eps = math.sqrt(1 - a) * x + math.sqrt(a) * v
            x0 = ((x - math.sqrt(1 - a) * eps) / math.sqrt(a)).clamp(-1, 1)
            eps = (x - math.sqrt(a) * x0) / math.sqrt(1 - a)
            x = math.sqrt(prev) * x0 + math.sqrt(1 - prev) * eps
    return n / (time.perf_counter() - start)


def main(size, channels, batch, train_steps, samples, sample_steps, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    m = UNet(channels, CLASSES)
    abar = cosine_alpha_bar()
    train = train_rate(m, abar, size, channels, batch, train_steps)
    m.eval()
    sample = sample_rate(m, abar, size, channels, samples, sample_steps)
    print("%.1f\t%.2f" % (train, sample))


main(*(int(a) for a in sys.argv[1:8]))
