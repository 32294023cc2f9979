"""The diffusion UNet of simbal's lib/nn/arch ("unet", issue 18) in PyTorch:
guided-diffusion's UNetModel (Dhariwal and Nichol 2021) as simbal builds it,
written for simbal after that model's design, its modules placed so that
the state_dict names are guided-diffusion's (input_blocks.1.0.in_layers.0.weight,
...).  model_channels, channel_mult (1, 2, 2), 2 residual blocks a level,
GroupNorm of 32 groups (fewer where 32 does not divide a width: the
largest count dividing both), SiLU, AdaGN (use_scale_shift_norm), attention
of 4 heads in the legacy q, k, v order at the lowest resolution and in the
middle, downsampling by a 3x3 convolution of stride 2, upsampling nearest
then a 3x3 convolution, dropout 0, a class embedding of classes + 1 rows
(the last: no class) added to the time embedding.  And "unet-enc", the noisy
classifier of classifier guidance: guided-diffusion's EncoderUNetModel with
pool "adaptive", the same time embedding (no class embedding), first
convolution, down path and middle block, then GroupNorm, SiLU, the global
average and a 1x1 convolution started at 0 to the class logits.  The
reference of tests/fixtures/make-unet-fixtures.py."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

LEVELS_MULT = (1, 2, 2)
RES_BLOCKS = 2


def norm(c):
    return nn.GroupNorm(math.gcd(c, 32), c)


def timestep_embedding(t, dim, max_period=10000):
    """guided-diffusion's sinusoidal embedding, cosines first, in t's dtype."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=t.dtype) / half)
    args = t[:, None] * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dim % 2:
        emb = torch.cat([emb, torch.zeros_like(emb[:, :1])], dim=-1)
    return emb


def zero(module):
    for p in module.parameters():
        nn.init.zeros_(p)
    return module


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb_dim):
        super().__init__()
        self.in_layers = nn.Sequential(norm(cin), nn.SiLU(), nn.Conv2d(cin, cout, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_dim, 2 * cout))
        self.out_layers = nn.Sequential(norm(cout), nn.SiLU(), nn.Dropout(0),
                                        zero(nn.Conv2d(cout, cout, 3, padding=1)))
        self.skip_connection = nn.Identity() if cin == cout else nn.Conv2d(cin, cout, 1)

    def forward(self, x, emb):
        h = self.in_layers(x)
        scale, shift = self.emb_layers(emb)[..., None, None].chunk(2, dim=1)
        h = self.out_layers[0](h) * (1 + scale) + shift
        return self.skip_connection(x) + self.out_layers[1:](h)


class AttentionBlock(nn.Module):
    def __init__(self, c, heads=4):
        super().__init__()
        self.heads = math.gcd(c, heads)
        self.norm = norm(c)
        self.qkv = nn.Conv1d(c, 3 * c, 1)
        self.proj_out = zero(nn.Conv1d(c, c, 1))

    def forward(self, x, emb=None):
        b, c, h, w = x.shape
        qkv = self.qkv(self.norm(x).reshape(b, c, -1))
        d = c // self.heads
        q, k, v = qkv.reshape(b * self.heads, 3 * d, -1).split(d, dim=1)  # legacy order
        weights = torch.softmax(torch.einsum("bct,bcs->bts", q, k) / math.sqrt(d), dim=-1)
        a = torch.einsum("bts,bcs->bct", weights, v).reshape(b, c, -1)
        return x + self.proj_out(a).reshape(b, c, h, w)


class Downsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.op = nn.Conv2d(c, c, 3, stride=2, padding=1)

    def forward(self, x, emb=None):
        return self.op(x)


class Upsample(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x, emb=None):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class EmbedSequential(nn.Sequential):
    """Passes the embedding to the residual blocks among its modules."""

    def forward(self, x, emb):
        for layer in self:
            x = layer(x) if isinstance(layer, nn.Conv2d) else layer(x, emb)
        return x


def time_embedding(mc, ted):
    return nn.Sequential(nn.Linear(mc, ted), nn.SiLU(), nn.Linear(ted, ted))


def down_path(channels, mc, ted):
    """The input_blocks and middle_block of UNetModel and EncoderUNetModel;
    the widths of the skips, and the last width."""
    input_blocks = nn.ModuleList([EmbedSequential(nn.Conv2d(channels, mc, 3, padding=1))])
    skips, ch, last = [mc], mc, len(LEVELS_MULT) - 1
    for level, mult in enumerate(LEVELS_MULT):
        for _ in range(RES_BLOCKS):
            layers = [ResBlock(ch, mc * mult, ted)]
            ch = mc * mult
            if level == last:
                layers.append(AttentionBlock(ch))
            input_blocks.append(EmbedSequential(*layers))
            skips.append(ch)
        if level != last:
            input_blocks.append(EmbedSequential(Downsample(ch)))
            skips.append(ch)
    middle_block = EmbedSequential(ResBlock(ch, ch, ted), AttentionBlock(ch), ResBlock(ch, ch, ted))
    return input_blocks, middle_block, skips, ch


class UNet(nn.Module):
    def __init__(self, channels, classes, model_channels=32):
        super().__init__()
        mc, ted = model_channels, 4 * model_channels
        self.mc = mc
        self.time_embed = time_embedding(mc, ted)
        self.label_emb = nn.Embedding(classes + 1, ted)
        self.input_blocks, self.middle_block, skips, ch = down_path(channels, mc, ted)
        self.output_blocks = nn.ModuleList()
        last = len(LEVELS_MULT) - 1
        for level, mult in reversed(list(enumerate(LEVELS_MULT))):
            for i in range(RES_BLOCKS + 1):
                layers = [ResBlock(ch + skips.pop(), mc * mult, ted)]
                ch = mc * mult
                if level == last:
                    layers.append(AttentionBlock(ch))
                if level and i == RES_BLOCKS:
                    layers.append(Upsample(ch))
                self.output_blocks.append(EmbedSequential(*layers))
        self.out = nn.Sequential(norm(ch), nn.SiLU(), zero(nn.Conv2d(ch, channels, 3, padding=1)))

    def forward(self, x, t, y):
        """The noise predicted for x at timesteps t (of x's dtype: simbal
        computes the embedding in double, so a float32 model differs from it
        by about 6e-5 there, a float64 one by float32's rounding), of
        classes y (the last class: none)."""
        emb = self.time_embed(timestep_embedding(t, self.mc)) + self.label_emb(y)
        hs, h = [], x
        for block in self.input_blocks:
            h = block(h, emb)
            hs.append(h)
        h = self.middle_block(h, emb)
        for block in self.output_blocks:
            h = block(torch.cat([h, hs.pop()], dim=1), emb)
        return self.out(h)


class EncoderUNet(nn.Module):
    """unet-enc: the logits of p(y | x_t, t)."""

    def __init__(self, channels, classes, model_channels=32):
        super().__init__()
        mc, ted = model_channels, 4 * model_channels
        self.mc = mc
        self.time_embed = time_embedding(mc, ted)
        self.input_blocks, self.middle_block, _, ch = down_path(channels, mc, ted)
        self.out = nn.Sequential(norm(ch), nn.SiLU(), nn.AdaptiveAvgPool2d((1, 1)),
                                 zero(nn.Conv2d(ch, classes, 1)), nn.Flatten())

    def forward(self, x, t):
        emb = self.time_embed(timestep_embedding(t, self.mc))
        h = x
        for block in self.input_blocks:
            h = block(h, emb)
        return self.out(self.middle_block(h, emb))
