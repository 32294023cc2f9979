"""The CIFAR ResNets of simbal's lib/nn/model in PyTorch, parameters named as
simbal names them: the peer of make bench (bench/peer_train.py) and the
reference of the engine's fixtures (tests/fixtures/make-nn-fixtures.py)."""
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                          nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.shortcut is None else self.shortcut(x)))


class ResNet(nn.Module):
    def __init__(self, channels, classes, stem, widths, blocks):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, stem, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        cin = stem
        for s, w in enumerate(widths):
            layer = []
            for i in range(blocks):
                layer.append(Block(cin, w, 2 if i == 0 and s > 0 else 1))
                cin = w
            setattr(self, "layer%d" % (s + 1), nn.Sequential(*layer))
        self.nstages = len(widths)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        for s in range(self.nstages):
            x = getattr(self, "layer%d" % (s + 1))(x)
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


def resnet20(channels, classes=10):
    return ResNet(channels, classes, 16, [16, 32, 64], 3)
