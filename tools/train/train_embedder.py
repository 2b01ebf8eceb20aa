#!/usr/bin/python3
"""Train the cattle face embedder and write models/<name>.onnx, its manifest, model card and parity data.

Run: /usr/bin/python3 tools/train/train_embedder.py [--data ../shared/data/cattle] [--seed 7]

With --device cuda the same command trains on a GPU and --state-only leaves the network as
<name>.state.npz (weights and a record of how they were trained); --from-state then evaluates, exports
and describes it here, so the ONNX file, parity data and figures come from this machine's torch.

Identities are split (by seed) into train / validation / test, disjoint per dataset: the model never
sees a validation or test animal. The operating threshold is chosen on validation identities; every
figure in the model card is measured on test identities with the protocol of ../shared/EVAL.md.
"""
import argparse, base64, datetime, json, math, os, random, subprocess, sys, time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

import allocator
import onnx_weights

WIDTH, HEIGHT = 64, 64
MARGIN = 1.125  # training images are loaded this much larger and randomly cropped back
AUGMENTATION = ("random crop from images loaded 12.5 % larger, rotation ±10°, zoom ±10 %, brightness and "
                "contrast ±20 %, 30 % greyscale (night infrared frames), 30 % random erasing")
MIRROR = "; each training cow's mirror image is one more cow (twice the classes)"
COSFACE = "a CosFace loss (s = 30, m = 0.35)"
TRIPLET = (" plus a batch-hard triplet term (cosine distance, margin 0.3) over batches of 16 cows × 4 "
           "photos")
MEAN = [0.5, 0.5, 0.5]
STD = [0.5, 0.5, 0.5]
SCALE = 1 / 255.0
DISTIL = "; distilled from {teacher}: weight {weight} on {term}, on each augmented photo, which the teacher sees at {tw}×{th} and the student shrunk to its own size"
DISTIL_TERMS = {
    "cosine": "1 − cosine between the teacher's and the student's embedding",
    "similarity": ("the KL divergence between the teacher's and the student's softmax (temperature 0.1) over each "
                   "photo's cosine similarities to the other cows in its batch"),
}
EMBED = 128
# What a manifest keeps of a training record.
TRAINING_RECORD = ("seed", "epochs", "command", "arch", "architecture", "augmentation", "loss", "trained_at",
                   "seconds", "device", "torch", "data_preparation", "initialised_from", "init_seed")
# What a training record keeps of the network it started from (--init-from).
INITIAL_RECORD = ("file", "arch", "pretraining", "family", "loss", "steps", "epochs", "seconds", "device", "torch",
                  "command", "synthetic_probe", "real_before_training")
# ImageNet ResNet18 as ML.NET ships it (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18, MIT): a CNTK
# export that takes BGR in 0..255 less a mean image. Its per-channel means, in RGB order:
RESNET_MEAN = [123.15163, 115.902885, 103.06262]
RESNET_PACKAGE = ("microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1",
                  "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx")


def list_identities(root):
    """(dataset, identity folder, [files]) for both cattle datasets, sorted so the split is reproducible."""
    out = []
    for dataset, sub in (("holstein2025", "holstein2025/datasets_v2"), ("cattely", "cattely")):
        base = os.path.join(root, sub)
        for ident in sorted(os.listdir(base)):
            folder = os.path.join(base, ident)
            if not os.path.isdir(folder):
                continue
            files = sorted(os.path.join(folder, f) for f in os.listdir(folder) if f.lower().endswith((".jpg", ".jpeg", ".png")))
            if files:
                out.append((dataset, ident, files))
    return out


def given_split(root, path):
    """The split a JSON file names ({"train": [...], "val": [...], "test": [...]}, each "dataset/animal"),
    as (dataset, identity, [files]) entries read from root/dataset/animal: how tools/agri model retrain
    trains on a registry's animals with the held-out animals it drew itself."""
    names = json.load(open(path))
    parts = {}
    for part in ("train", "val", "test"):
        parts[part] = []
        for name in names.get(part, []):
            dataset, ident = name.split("/", 1)
            folder = os.path.join(root, dataset, ident)
            files = sorted(os.path.join(folder, f) for f in os.listdir(folder)) if os.path.isdir(folder) else []
            files = [f for f in files if f.lower().endswith((".jpg", ".jpeg", ".png"))]
            if not files:
                sys.exit(f"{path}: {name} has no photos under {root}")
            parts[part].append((dataset, ident, files))
    return parts


def split(identities, seed):
    rng = random.Random(seed)
    parts = {"train": [], "val": [], "test": []}
    for dataset in sorted({d for d, _, _ in identities}):
        ids = [i for i in identities if i[0] == dataset]
        rng.shuffle(ids)
        n_test = round(len(ids) * 0.2)
        n_val = round(len(ids) * 0.1)
        parts["test"] += ids[:n_test]
        parts["val"] += ids[n_test:n_test + n_val]
        parts["train"] += ids[n_test + n_val:]
    return parts


def load(path, width, height):
    img = Image.open(path).convert("RGB").resize((width, height), Image.BILINEAR)
    return np.asarray(img, dtype=np.uint8)


def stack(ids, width, height):
    """The photos of (dataset, identity, files) entries at width×height, and their labels 0…n−1."""
    imgs, labels = [], []
    for n, (_, _, files) in enumerate(ids):
        for f in files:
            imgs.append(load(f, width, height))
            labels.append(n)
    return np.stack(imgs), labels


def fewer(identities, n, draw):
    """n of (dataset, identity, files) entries, each dataset keeping its share (largest remainders), drawn
    reproducibly by the text `draw`."""
    if not 16 <= n <= len(identities):
        sys.exit(f"--train-identities must lie between 16 (one batch of animals) and {len(identities)}")
    rng = random.Random(draw)
    datasets = sorted({d for d, _, _ in identities})
    exact = {d: n * sum(1 for i in identities if i[0] == d) / len(identities) for d in datasets}
    keep = {d: math.floor(exact[d]) for d in datasets}
    for d in sorted(datasets, key=lambda d: keep[d] - exact[d])[:n - sum(keep.values())]:
        keep[d] += 1
    out = []
    for d in datasets:
        out += sorted(rng.sample([i for i in identities if i[0] == d], keep[d]))
    return out


def within_budget(budget, elapsed, pace):
    """How many more units (epochs, batches) at `pace` seconds each fit in what is left of `budget`,
    less 10 % for the evaluation and saving that follow."""
    return int((budget - elapsed) / pace * 0.9)


def to_tensor(batch_u8):
    """Photos in the unit space augmentation works in: (x / 255 − 0.5) / 0.5."""
    x = torch.from_numpy(batch_u8).permute(0, 3, 1, 2).float() / 255.0
    return (x - 0.5) / 0.5


def normalisation(arch):
    """(scale, mean, std) the network reads its input with."""
    return (1.0, RESNET_MEAN, [1.0, 1.0, 1.0]) if arch == "resnet18" else (1 / 255.0, [0.5] * 3, [0.5] * 3)


def to_model(unit, norm=None):
    """Unit space to what the network reads, as the manifest tells the C# side: (x · scale − mean) / std."""
    scale, mean, std = norm or (SCALE, MEAN, STD)
    x = (unit * 0.5 + 0.5) * 255.0
    mean = torch.tensor(mean, device=unit.device).view(1, 3, 1, 1)
    std = torch.tensor(std, device=unit.device).view(1, 3, 1, 1)
    return (x * scale - mean) / std


class GreyInput(nn.Module):
    """Luma, then each photo standardised to zero mean and unit variance, inside the network. Night
    infrared frames (a third of holstein2025) carry no colour and their own contrast; a coat pattern is
    black and white whatever the light. The C# side still feeds RGB as the manifest says."""

    LUMA = (0.299, 0.587, 0.114)

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.register_buffer("luma", torch.tensor(self.LUMA).view(1, 3, 1, 1))

    def forward(self, x):
        g = (x * self.luma).sum(dim=1, keepdim=True)
        m = g.mean(dim=(2, 3), keepdim=True)
        d = g - m
        v = (d * d).mean(dim=(2, 3), keepdim=True)
        return self.inner(d / torch.sqrt(v + 1e-4))


def block(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
        nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
    )


class Embedder(nn.Module):
    def __init__(self, channels=3):
        super().__init__()
        self.features = nn.Sequential(
            block(channels, 32), nn.MaxPool2d(2),     # 32
            block(32, 64), nn.MaxPool2d(2),    # 16
            block(64, 128), nn.MaxPool2d(2),   # 8
            block(128, 256),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(256, EMBED), nn.BatchNorm1d(EMBED))

    def forward(self, x):
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, 1)
        return self.head(x)


class FastEmbedder(Embedder):
    """The small CNN with a stride-2 first convolution: the full-resolution stage, which costs a fifth of
    the multiply-adds at 64×128, runs at half resolution, so a crop embeds in under half the time."""

    def __init__(self, channels=3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(channels, 32, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
            nn.MaxPool2d(2),                   # a quarter of the input side
            block(32, 64), nn.MaxPool2d(2),    # an eighth
            block(64, 128),
            block(128, 256),
        )


GREY = "; it reads luma, each photo standardised to zero mean and unit variance inside the network"
ARCHITECTURES = {
    "small": "A 4-stage CNN (8 conv layers, 32→256 channels, BatchNorm, global average pooling, 128-d linear head)",
    "fast": "A 4-stage CNN (8 conv layers, 32→256 channels, the first with stride 2, BatchNorm, global average "
            "pooling, 128-d linear head)",
    "resnet18": "ResNet18 as ML.NET ships it (ImageNet weights, three blocks in the last stage), 128-d linear head",
}


class Basic(nn.Module):
    """ResNet basic block; the shortcut projects when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        short = x if self.down is None else self.down(x)
        y = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(y)) + short)

    def conv_bn(self):
        """In the order the ML.NET graph runs them: projection first."""
        pairs = [] if self.down is None else [(self.down[0], self.down[1])]
        return pairs + [(self.conv1, self.bn1), (self.conv2, self.bn2)]


class ResNetEmbedder(nn.Module):
    """ResNet18 trunk (ImageNet weights when given) with a 128-d embedding head. The ML.NET graph has
    three basic blocks in its last stage, not two; the layout follows the weights it ships."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        widths = [(64, 64, 1), (64, 64, 1), (64, 128, 2), (128, 128, 1),
                  (128, 256, 2), (256, 256, 1), (256, 512, 2), (512, 512, 1), (512, 512, 1)]
        self.blocks = nn.Sequential(*[Basic(a, b, s) for a, b, s in widths])
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(512, EMBED), nn.BatchNorm1d(EMBED))

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        x = self.blocks(x)
        return self.head(F.adaptive_avg_pool2d(x, 1))

    def load_imagenet(self, path):
        pairs = packed_resnet(path) if path.endswith(".npz") else onnx_weights.conv_bn_pairs(path)
        mine = [(self.conv1, self.bn1)] + [p for b in self.blocks for p in b.conv_bn()]
        if len(pairs) != len(mine):
            raise ValueError(f"{path}: {len(pairs)} convolutions, expected {len(mine)}")
        for (conv, bn), (w, (scale, bias, mean, var)) in zip(mine, pairs):
            if tuple(conv.weight.shape) != w.shape:
                raise ValueError(f"{path}: weight {w.shape} where {tuple(conv.weight.shape)} was expected")
            conv.weight.data = torch.from_numpy(w)
            bn.weight.data, bn.bias.data = torch.from_numpy(scale), torch.from_numpy(bias)
            bn.running_mean.data, bn.running_var.data = torch.from_numpy(mean), torch.from_numpy(var)
        # The graph reads BGR; the manifest feeds RGB.
        self.conv1.weight.data = self.conv1.weight.data.flip(1).contiguous()

    def backbone(self):
        return [p for n, p in self.named_parameters() if not n.startswith("head.")]


def packed_resnet(path):
    """The ResNet18 weights as pack_for_device.py stores them: int8 per output channel, BN in float32."""
    z = np.load(path)
    n = sum(1 for k in z.files if k.startswith("w"))
    return [((z[f"w{i}"].astype(np.float32) * z[f"s{i}"][:, None, None, None]),
             tuple(z[f"{c}{i}"] for c in "gbmv")) for i in range(n)]


def imagenet_resnet18():
    root = os.environ.get("NUGET_PACKAGES", os.path.expanduser("~/.nuget/packages"))
    name, version, inner = RESNET_PACKAGE
    path = os.path.join(root, name, version, inner)
    if not os.path.isfile(path):
        sys.exit(f"{path} not found: run tools/train/fetch-pretrained first")
    return path


class CosFace(nn.Module):
    def __init__(self, classes, s=30.0, m=0.35):
        super().__init__()
        self.w = nn.Parameter(torch.randn(classes, EMBED) * 0.01)
        self.s, self.m = s, m

    def forward(self, emb, labels):
        cos = F.linear(F.normalize(emb), F.normalize(self.w))
        onehot = F.one_hot(labels, cos.shape[1]).float()
        return F.cross_entropy(self.s * (cos - self.m * onehot), labels)


def pk_batches(labels, steps, p, k, gen):
    """Batches of p animals × k photos each, so every batch holds positives for the triplet term. An
    animal with fewer than k photos repeats some."""
    by_id = {}
    for j, l in enumerate(labels.tolist()):
        by_id.setdefault(l, []).append(j)
    ids = sorted(by_id)
    for _ in range(steps):
        chosen = torch.randperm(len(ids), generator=gen)[:p].tolist()
        idx = []
        for c in chosen:
            own = by_id[ids[c]]
            pick = torch.randperm(len(own), generator=gen)[:k].tolist()
            while len(pick) < k:
                pick.append(int(torch.randint(0, len(own), (1,), generator=gen)))
            idx += [own[q] for q in pick]
        yield torch.tensor(idx)


def batch_hard_triplet(emb, labels, margin=0.3):
    """For each photo, its farthest same-animal photo and nearest other-animal photo in the batch, in
    cosine distance: the pair a claim could be confused by."""
    e = F.normalize(emb)
    d = 1.0 - e @ e.t()
    same = labels[:, None] == labels[None, :]
    hardest_pos = (d * same.float()).max(dim=1).values
    hardest_neg = (d + 4.0 * same.float()).min(dim=1).values
    return F.relu(hardest_pos - hardest_neg + margin).mean()


def augment(batch, gen, width, height):
    """Random crop back to width×height, a small rotation and zoom, brightness/contrast jitter,
    sometimes grey (night IR frames), and a random erased patch (occlusion by a fence or a hand)."""
    n = batch.shape[0]
    out = torch.empty((n, 3, height, width))
    dx, dy = batch.shape[3] - width, batch.shape[2] - height
    for i in range(n):
        ox = int(torch.randint(0, dx + 1, (1,), generator=gen))
        oy = int(torch.randint(0, dy + 1, (1,), generator=gen))
        out[i] = batch[i, :, oy:oy + height, ox:ox + width]
    angle = (torch.rand((n,), generator=gen) - 0.5) * (20 * math.pi / 180)
    zoom = 1.0 + (torch.rand((n,), generator=gen) - 0.5) * 0.2
    theta = torch.zeros((n, 2, 3))
    theta[:, 0, 0] = torch.cos(angle) / zoom
    theta[:, 0, 1] = -torch.sin(angle) / zoom
    theta[:, 1, 0] = torch.sin(angle) / zoom
    theta[:, 1, 1] = torch.cos(angle) / zoom
    grid = F.affine_grid(theta, out.shape, align_corners=False)
    out = F.grid_sample(out, grid, padding_mode="border", align_corners=False)
    b = (torch.rand((n, 1, 1, 1), generator=gen) - 0.5) * 0.4
    c = 1.0 + (torch.rand((n, 1, 1, 1), generator=gen) - 0.5) * 0.4
    out = out * c + b
    grey = torch.rand((n,), generator=gen) < 0.3
    if grey.any():
        g = out[grey].mean(dim=1, keepdim=True)
        out[grey] = g.expand(-1, 3, -1, -1)
    erase = torch.rand((n,), generator=gen) < 0.3
    for i in torch.nonzero(erase).flatten().tolist():
        eh = int(height * (0.15 + 0.25 * float(torch.rand(1, generator=gen))))
        ew = int(width * (0.15 + 0.25 * float(torch.rand(1, generator=gen))))
        y = int(torch.randint(0, height - eh + 1, (1,), generator=gen))
        x = int(torch.randint(0, width - ew + 1, (1,), generator=gen))
        out[i, :, y:y + eh, x:x + ew] = 0.0
    return out


def embed(model, x, bs=256):
    model.eval()
    device = next(model.parameters()).device
    outs = []
    with torch.no_grad():
        for i in range(0, x.shape[0], bs):
            outs.append(F.normalize(model(to_model(x[i:i + bs].to(device)))).cpu())
    return torch.cat(outs).numpy()


def evaluate(emb, labels, seed, threshold=None):
    """The protocol of ../shared/EVAL.md over one set of identities."""
    labels = np.asarray(labels)
    ids = sorted(set(labels.tolist()))
    rng = random.Random(seed)
    per_id = {i: [j for j in range(len(labels)) if labels[j] == i] for i in ids}
    report = {"identities": len(ids), "images": int(len(labels)), "seed": seed}
    genuine_all, impostor_all = None, None
    for k in (1, 3):
        gallery, queries, skipped = {}, [], 0
        for i in ids:
            idx = per_id[i][:]
            if len(idx) < k + 1:
                skipped += 1
                continue
            rng_i = random.Random(f"{seed}-{k}-{i}")
            chosen = rng_i.sample(idx, k)
            gallery[i] = chosen
            queries += [(j, i) for j in idx if j not in chosen]
        names = sorted(gallery)
        temps = [emb[gallery[n]] for n in names]
        correct, genuine, impostor = 0, [], []
        for q, true in queries:
            scores = np.array([float(np.max(t @ emb[q])) for t in temps])
            best = names[int(np.argmax(scores))]
            correct += best == true
            for n, s in zip(names, scores):
                (genuine if n == true else impostor).append(s)
        report[f"rank1_{k}shot"] = correct / max(1, len(queries))
        report[f"skipped_identities_{k}shot"] = skipped
        if k == 3:
            genuine_all, impostor_all = np.array(genuine), np.array(impostor)
    imp = np.sort(impostor_all)[::-1]
    for far, key in ((0.01, "tar_at_far_1pct"), (0.001, "tar_at_far_0_1pct")):
        t = imp[max(0, int(math.floor(far * len(imp))) - 1)] if len(imp) else 1.0
        report[key] = float(np.mean(genuine_all > t))
    grid = np.linspace(-1, 1, 2001)
    fars = np.array([np.mean(impostor_all >= t) for t in grid])
    frrs = np.array([np.mean(genuine_all < t) for t in grid])
    j = int(np.argmin(np.abs(fars - frrs)))
    report["eer"] = float((fars[j] + frrs[j]) / 2)
    report["impostor_scores"] = int(len(impostor_all))
    report["genuine_scores"] = int(len(genuine_all))
    if threshold is None:
        threshold = float(imp[max(0, int(math.floor(0.001 * len(imp))) - 1)])
    report["threshold"] = threshold
    # False duplicates: enrol one photo per animal in a fixed random order against all enrolled before.
    order = ids[:]
    random.Random(seed).shuffle(order)
    enrolled, false_dups = [], 0
    for i in order:
        v = emb[per_id[i][0]]
        if enrolled and max(float(e @ v) for e in enrolled) >= threshold:
            false_dups += 1
        enrolled.append(v)
    report["false_duplicate_rate"] = false_dups / len(order)
    return report


def evaluate_test(emb, labels, names, seed, threshold):
    """The test identities' report, all together and per dataset; names[label] is "dataset/identity"."""
    per_dataset = {}
    for dataset in sorted({n.split("/", 1)[0] for n in names}):
        mask = [j for j, label in enumerate(labels) if names[label].startswith(dataset + "/")]
        per_dataset[dataset] = evaluate(emb[mask], [labels[j] for j in mask], seed, threshold)
    return evaluate(emb, labels, seed, threshold), per_dataset


def f32_b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype="<f4").tobytes()).decode()


def build(arch, grey):
    if arch == "resnet18":
        return ResNetEmbedder()
    model = (FastEmbedder if arch == "fast" else Embedder)(1 if grey else 3)
    return GreyInput(model) if grey else model


class Teachers(nn.Module):
    """Trained networks to distil from. Their embedding is the members' unit vectors side by side, over
    √n, so its cosine similarity is the mean of the members' similarities: an ensemble."""

    def __init__(self, paths, split_names):
        super().__init__()
        loaded = [load_state(p) for p in paths]
        for path, (_, record) in zip(paths, loaded):
            if record["split"] != split_names:
                sys.exit(f"{path} was trained on another identity split; use the same --seed")
        sizes = {(r["width"], r["height"]) for _, r in loaded}
        if len(sizes) != 1:
            sys.exit(f"teachers read different input sizes {sorted(sizes)}; give ones of one size")
        self.width, self.height = sizes.pop()
        self.members = nn.ModuleList(m for m, _ in loaded)
        self.norms = [normalisation(r["arch"]) for _, r in loaded]
        self.name = ", ".join(f"{r['arch']} ({os.path.basename(p)})" for p, (_, r) in zip(paths, loaded))
        if any(z[k].dtype == np.float16 for z in map(np.load, paths) for k in z.files if k.startswith("p:")):
            self.name += ", their weights carried as float16"

    def forward(self, unit):
        return side_by_side([m(to_model(unit, n)) for m, n in zip(self.members, self.norms)])


def side_by_side(embeddings):
    """Several networks' embeddings of the same photos as one: unit vectors side by side over √n, so the
    cosine similarity of two photos is the mean of the networks' similarities."""
    return torch.cat([F.normalize(e) for e in embeddings], 1) / math.sqrt(len(embeddings))


class Ensemble(nn.Module):
    """Trained networks that read the same input, run as one graph (side_by_side)."""

    def __init__(self, members):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x):
        return side_by_side([m(x) for m in self.members])


def both_views(network, x):
    """The photo as taken and mirrored left to right, through one network in one batch: the two unit
    embeddings added and normalised again (test-time augmentation; --mirror-view)."""
    y = F.normalize(network(torch.cat([x, x.flip(3)])))
    return F.normalize(y.view(2, -1, y.shape[1]).sum(0))


class MirrorView(nn.Module):
    def __init__(self, network):
        super().__init__()
        self.network = network

    def forward(self, x):
        return both_views(self.network, x)


def load_states(paths):
    """(network, record) from one .state.npz, or an Ensemble of several made on one split, input and
    normalisation, with a record that holds each member's."""
    loaded = [load_state(p) for p in paths]
    if len(loaded) == 1:
        return loaded[0]
    records = [r for _, r in loaded]
    for key in ("split", "seed", "width", "height"):
        if any(r[key] != records[0][key] for r in records):
            sys.exit(f"ensemble members differ in {key}: {', '.join(paths)}")
    if len({tuple(map(tuple, normalisation(r["arch"])[1:])) for r in records}) != 1:
        sys.exit("ensemble members read their input with different normalisations")
    # "arch" is the first member's: all read the input alike, which is what main() takes it for.
    record = {k: records[0][k] for k in ("split", "seed", "width", "height", "arch")}
    record["members"] = [dict(r, file=os.path.basename(p)) for p, r in zip(paths, records)]
    return Ensemble([m for m, _ in loaded]).eval(), record


def distillation(emb, target, labels, by):
    e = F.normalize(emb)
    if by == "cosine":
        return (1.0 - (e * target).sum(dim=1)).mean()
    # Each photo's similarities to the other cows in the batch, as a distribution: how the teacher ranks
    # animals it was not shown is what generalises; its own animal every network already gets right.
    other = labels[:, None] != labels[None, :]
    s_student = (e @ e.t()).masked_fill(~other, -1e9) / 0.1
    s_teacher = (target @ target.t()).masked_fill(~other, -1e9) / 0.1
    return F.kl_div(F.log_softmax(s_student, dim=1), F.log_softmax(s_teacher, dim=1), log_target=True,
                    reduction="batchmean")


def save_state(path, model, record):
    arrays = {f"p:{k}": v.detach().cpu().numpy() for k, v in model.state_dict().items()}
    np.savez(path, record=np.array(json.dumps(record)), **arrays)


def record_of(path):
    """How the network in a .state.npz was made, and its figures where training measured them."""
    return json.loads(str(np.load(path)["record"]))


def load_state(path):
    """(network in eval mode, record) from a .state.npz that this script wrote, here or elsewhere."""
    z = np.load(path)
    record = record_of(path)
    model = build(record["arch"], record.get("grey", False))
    model.load_state_dict({k[2:]: torch.from_numpy(z[k]) for k in z.files if k.startswith("p:")})
    return model.eval(), record


def data_preparation(root):
    """What pack_for_device.py did to the photos, when training read its copy rather than the originals."""
    note = os.path.join(root, "PACKING.txt")
    return open(note).read().strip() if os.path.isfile(note) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/cattle")
    ap.add_argument("--out", default="models")
    ap.add_argument("--name", default="cattle-face-embedder")
    ap.add_argument("--version", default="1.0.0")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--height", type=int, default=64)
    ap.add_argument("--arch", choices=tuple(ARCHITECTURES), default="small")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--triplet", action="store_true",
                    help="batches of 16 animals × 4 photos and a batch-hard triplet term beside CosFace")
    ap.add_argument("--mirror", action="store_true",
                    help="each training cow's mirror image is one more cow (a coat pattern is not symmetric)")
    ap.add_argument("--grey", action="store_true",
                    help="the network reads luma, each photo standardised (small and fast only)")
    ap.add_argument("--device", default="cpu", help="torch device to train on, e.g. cuda")
    ap.add_argument("--pretrained", help="ResNet18 ImageNet weights: the ML.NET ONNX file (default: from the "
                    "NuGet cache) or the .npz that pack_for_device.py writes")
    ap.add_argument("--teacher", help=".state.npz files of stronger networks, comma-separated (same seed, so "
                    "the same split) to distil from; several make an ensemble")
    ap.add_argument("--distil", type=float, default=1.0, help="weight of the distillation term")
    ap.add_argument("--distil-by", choices=tuple(DISTIL_TERMS), default="cosine",
                    help="match the teacher's embedding (one teacher) or its similarities within a batch")
    ap.add_argument("--init-seed", type=int, help="seed for initialisation and batches, when it should "
                    "differ from --seed, which draws the identity split")
    ap.add_argument("--init-from", help="a .state.npz of the same --arch to start from instead of random weights")
    ap.add_argument("--budget", type=float, help="seconds: fewer epochs (the schedule compressed) if the "
                    "second epoch shows that all of them would not fit")
    ap.add_argument("--state-only", action="store_true",
                    help="write <name>.state.npz and the figures, not the ONNX file, manifest and card")
    ap.add_argument("--train-identities", type=int, help="train on only this many of the training cows, drawn "
                    "per dataset in proportion (a learning curve); epochs stay as many batches as with all")
    ap.add_argument("--draw", type=int, default=1, help="which draw of --train-identities cows")
    ap.add_argument("--mirror-view", action="store_true", help="evaluate and export the network with a "
                    "mirrored copy of each photo beside it, the two embeddings averaged")
    ap.add_argument("--split", help="a JSON file of the identity split (train, val, test: dataset/animal names under "
                    "--data) to use instead of drawing one by --seed")
    ap.add_argument("--from-state", help="a .state.npz to evaluate, export and describe instead of training; "
                    "several, comma-separated, ship as one ensemble graph")
    args = ap.parse_args()
    record = None
    if args.from_state:
        model, record = load_states(args.from_state.split(","))
        args.arch, args.width, args.height, args.seed = record["arch"], record["width"], record["height"], record["seed"]
        args.grey = record.get("grey", False)
    if args.grey and args.arch == "resnet18":
        ap.error("--grey works with --arch small or fast")
    if args.train_identities is not None and args.teacher:
        ap.error("--train-identities cannot take --teacher: the teachers saw every training cow")
    if args.mirror_view and args.state_only:
        ap.error("--mirror-view is how the exported graph embeds a photo; --state-only exports none")
    if args.train_identities is not None and args.from_state:
        ap.error("--train-identities trains; --from-state does not")
    global WIDTH, HEIGHT, MEAN, STD, SCALE
    WIDTH, HEIGHT = args.width, args.height
    SCALE, MEAN, STD = normalisation(args.arch)
    device = torch.device(args.device)

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed if args.init_seed is None else args.init_seed)
    torch.set_num_threads(args.threads)

    if not os.path.isdir(args.data):
        sys.exit(f"training data not found at {args.data}; pass --data")
    parts = given_split(args.data, args.split) if args.split else split(list_identities(args.data), args.seed)
    for name, ids in parts.items():
        print(f"{name}: {len(ids)} identities, {sum(len(f) for _, _, f in ids)} images", flush=True)
    split_names = {k: [f"{d}/{i}" for d, i, _ in v] for k, v in parts.items()}
    if record is not None and record["split"] != split_names:
        sys.exit(f"{args.from_state} was trained on another identity split than {args.data} gives with seed {args.seed}")

    # Step counts come from every training cow, so learning-curve points train for equal steps.
    steps_per_epoch = math.ceil(sum(len(f) for _, _, f in parts["train"]) / 64)
    if args.train_identities is not None:
        parts["train"] = fewer(parts["train"], args.train_identities, f"{args.seed}/{args.train_identities}/{args.draw}")
        print(f"training on {len(parts['train'])} of them (draw {args.draw}), "
              f"{sum(len(f) for _, _, f in parts['train'])} images", flush=True)
    val_u8, val_labels = stack(parts["val"], WIDTH, HEIGHT)
    test_u8, test_labels = stack(parts["test"], WIDTH, HEIGHT)
    started = time.time()
    if record is None:
        model, record = train(args, parts, split_names, val_u8, val_labels, device, started, steps_per_epoch)

    model.eval()
    plain = model
    if args.mirror_view:
        model = MirrorView(model).eval()
    val_report = evaluate(embed(model, to_tensor(val_u8)), val_labels, args.seed)
    threshold = val_report["threshold"]
    test_report, per_dataset = evaluate_test(embed(model, to_tensor(test_u8)), test_labels,
                                             split_names["test"], args.seed, threshold)
    os.makedirs(args.out, exist_ok=True)
    if args.state_only:
        record["metrics"] = {"test": test_report, "test_per_dataset": per_dataset, "validation": val_report}
        save_state(os.path.join(args.out, f"{args.name}.state.npz"), model, record)
        print(json.dumps({"test": test_report, "per_dataset": per_dataset, "validation": val_report}, indent=2))
        return
    model = model.cpu()

    def export(network, file):
        torch.onnx.export(network, torch.zeros(1, 3, HEIGHT, WIDTH), os.path.join(args.out, file),
                          input_names=["input"], output_names=["embedding"],
                          dynamic_axes={"input": {0: "n"}, "embedding": {0: "n"}}, opset_version=13)

    export(model, f"{args.name}.onnx")
    # quantize.py works member by member, each a plain chain of convolutions.
    member_files = [f"{args.name}.member{k}.onnx" for k in range(len(record.get("members", [])))]
    for network, file in zip(getattr(plain, "members", []), member_files):
        export(network, file)

    # Parity data: real test inputs (already normalised) and what torch computed for them.
    parity_x = to_model(to_tensor(test_u8[:3]))
    with torch.no_grad():
        parity_y = model(parity_x).numpy()
    with open(os.path.join(args.out, f"{args.name}.parity.json"), "w") as f:
        json.dump({"shape": list(parity_x.shape), "input": f32_b64(parity_x.numpy()),
                   "output_shape": list(parity_y.shape), "output": f32_b64(parity_y)}, f)

    def described(r):
        return {k: r[k] for k in TRAINING_RECORD if r.get(k)}

    training = described(record)
    if member_files:
        del training["arch"]
        training["members"] = [dict(described(r), file=r["file"]) for r in record["members"]]
        training["member_files"] = member_files
    training["split"] = split_names
    if args.split:
        training["split_from"] = os.path.abspath(args.split)
    if args.from_state:
        training["described_by"] = " ".join(sys.argv)
    manifest = {
        "id": args.name, "version": args.version, "file": f"{args.name}.onnx",
        "input": {"name": "input", "width": WIDTH, "height": HEIGHT, "channels": 3, "colour": "rgb",
                  "layout": "nchw", "resize": "stretch", "scale": SCALE, "mean": MEAN, "std": STD},
        "output": {"name": "embedding", "size": int(parity_y.shape[1]), "normalise": "l2"},
        "threshold": round(threshold, 4),
        **({"mirror_view": True} if args.mirror_view else {}),
        "metrics": {"test": test_report, "test_per_dataset": per_dataset, "validation": val_report},
        "training": training,
    }
    with open(os.path.join(args.out, f"{args.name}.manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print(json.dumps({"test": test_report, "per_dataset": per_dataset}, indent=2))
    manifest_path = os.path.join(args.out, f"{args.name}.manifest.json")
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "model_card.py"), manifest_path], check=True)


def train(args, parts, split_names, val_u8, val_labels, device, started, steps_per_epoch):
    """Train a network as the arguments say; (network, record of how)."""
    teacher = Teachers(args.teacher.split(","), split_names) if args.teacher else None
    if teacher is not None and len(teacher.members) > 1 and args.distil_by == "cosine":
        sys.exit("an ensemble of teachers has a wider embedding than the student: use --distil-by similarity")
    # With a teacher, photos are augmented at the teacher's size and shrunk for the student, so both
    # networks see the same crop.
    aug_w, aug_h = (teacher.width, teacher.height) if teacher else (WIDTH, HEIGHT)
    train_u8, train_labels = stack(parts["train"], round(aug_w * MARGIN), round(aug_h * MARGIN))
    train_x = to_tensor(train_u8)
    train_y = torch.tensor(train_labels)

    classes = len(parts["train"])
    if args.mirror:
        train_x = torch.cat([train_x, train_x.flip(3)])
        train_y = torch.cat([train_y, train_y + classes])
        classes *= 2
    head = CosFace(classes).to(device)
    model = build(args.arch, args.grey)
    start_record = None
    if args.init_from:
        start, start_record = load_state(args.init_from)
        if (start_record["arch"], start_record.get("grey", False)) != (args.arch, args.grey):
            sys.exit(f"{args.init_from} is a {start_record['arch']} network; --arch says {args.arch}")
        model.load_state_dict(start.state_dict())
        start_record["file"] = os.path.basename(args.init_from)
    if args.arch == "resnet18":
        model.load_imagenet(args.pretrained or imagenet_resnet18())
        backbone = model.backbone()
        rest = [p for p in model.parameters() if all(p is not b for b in backbone)] + list(head.parameters())
        # The ImageNet trunk moves ten times slower than the new head.
        groups = [{"params": backbone, "lr": args.lr / 10}, {"params": rest, "lr": args.lr}]
        max_lr = [args.lr / 10, args.lr]
    else:
        groups = [{"params": list(model.parameters()) + list(head.parameters()), "lr": args.lr}]
        max_lr = args.lr
    model = model.to(device)
    if teacher is not None:
        teacher = teacher.to(device).eval()
    opt = torch.optim.AdamW(groups, lr=args.lr, weight_decay=5e-4)
    epochs = args.epochs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(args.seed if args.init_seed is None else args.init_seed)
    epoch_started = started
    epoch = 0
    while epoch < epochs:
        model.train()
        if args.triplet:
            batches = pk_batches(train_y, steps_per_epoch, 16, 4, gen)
        else:
            # Fewer cows (--train-identities) go round more than once in an epoch.
            rounds = math.ceil(steps_per_epoch * 64 / len(train_y))
            perm = torch.cat([torch.randperm(len(train_y), generator=gen) for _ in range(rounds)])
            batches = (perm[b * 64:(b + 1) * 64] for b in range(steps_per_epoch))
        total, seen = 0.0, 0
        for idx in batches:
            if len(idx) < 2:
                continue
            x = augment(train_x[idx], gen, aug_w, aug_h).to(device)
            labels = train_y[idx].to(device)
            if teacher is not None:
                with torch.no_grad():
                    target = teacher(x)
                x = F.interpolate(x, size=(HEIGHT, WIDTH), mode="bilinear", align_corners=False, antialias=True)
            emb = model(to_model(x))
            loss = head(emb, labels)
            if args.triplet:
                loss = loss + batch_hard_triplet(emb, labels)
            if teacher is not None:
                loss = loss + args.distil * distillation(emb, target, labels, args.distil_by)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            seen += len(idx)
        epoch += 1
        now = time.time()
        if args.budget and epoch == 2 and epochs > 2:
            fit = 2 + within_budget(args.budget, now - started, now - epoch_started)
            if fit < epochs:
                # The same one-cycle shape over fewer steps, resumed where it stands.
                print(f"budget: {epochs} epochs would not fit in {args.budget:.0f} s; training {max(3, fit)}", flush=True)
                epochs = max(3, fit)
                sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=epochs * steps_per_epoch)
                for _ in range(2 * steps_per_epoch):
                    sched.step()
        epoch_started = now
        line = f"epoch {epoch}/{epochs} loss {total / max(1, seen):.3f} ({now - started:.0f}s)"
        if epoch % 5 == 0 or epoch == epochs:
            val = evaluate(embed(model, to_tensor(val_u8)), val_labels, args.seed)
            line += f" val rank1_3shot {val['rank1_3shot']:.3f} tar@far1% {val['tar_at_far_1pct']:.3f}"
        print(line, flush=True)

    loss_text = COSFACE + (TRIPLET if args.triplet else "")
    if teacher is not None:
        loss_text += DISTIL.format(teacher=teacher.name, weight=args.distil, term=DISTIL_TERMS[args.distil_by],
                                   tw=aug_w, th=aug_h)
    record = {"arch": args.arch, "grey": args.grey, "width": WIDTH, "height": HEIGHT, "seed": args.seed,
              "init_seed": args.init_seed, "epochs": epochs, "command": " ".join(sys.argv),
              "architecture": ARCHITECTURES[args.arch] + (GREY if args.grey else ""),
              "augmentation": AUGMENTATION + (MIRROR if args.mirror else ""), "loss": loss_text,
              "split": split_names, "seconds": round(time.time() - started),
              "trained_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
              "torch": torch.__version__, "data_preparation": data_preparation(args.data)}
    if args.train_identities is not None:
        record["trained_on"] = [f"{d}/{i}" for d, i, _ in parts["train"]]
    if start_record is not None:
        record["initialised_from"] = {k: start_record[k] for k in INITIAL_RECORD if k in start_record}
    return model, record


if __name__ == "__main__":
    allocator.keep_freed_memory()
    main()
