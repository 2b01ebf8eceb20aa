#!/usr/bin/python3
"""Pack the training data and the ImageNet ResNet18 small enough to travel to a GPU machine.

Run: /usr/bin/python3 tools/train/pack_for_device.py [--data ../shared/data/cattle] [--out .gpu-pack]

The device tool carries at most 64 MiB with the working tree, and the two cattle datasets (67 MB) with
the ML.NET ResNet18 (64 MB) are twice that. So the photos are re-encoded as JPEG quality 95 (the
holstein2025 ones at their own size, about 100×190; the cattely ones, about 450×1000, shrunk to 216
pixels high, above the 64×128 and 96×192 inputs with their 12.5 % margin; a 128×256 input upsamples
them), and the ResNet18 convolution weights are stored
as int8 per output channel (a 1/254 step of each channel's largest weight: an initialisation, which
training moves anyway) with batch normalisation in float32. The folder layout is the datasets' own, so
train_embedder.py reads it with --data unchanged. With --teachers, trained networks (.state.npz) to distil
from travel too, their weights as float16 (they only run forward): seven of them (17 MB) fit beside the
photos (36 MB) and the repository; nine did not.
"""
import argparse, os

import numpy as np
from PIL import Image

import onnx_weights
from quantize import per_channel_int8
from train_embedder import imagenet_resnet18, list_identities

CATTELY_HEIGHT = 216
QUALITY = 95


def pack_photos(data, out):
    count = 0
    for dataset, ident, files in list_identities(data):
        sub = "holstein2025/datasets_v2" if dataset == "holstein2025" else dataset
        folder = os.path.join(out, "data", sub, ident)
        os.makedirs(folder, exist_ok=True)
        for f in files:
            img = Image.open(f).convert("RGB")
            if img.height > CATTELY_HEIGHT:
                img = img.resize((round(img.width * CATTELY_HEIGHT / img.height), CATTELY_HEIGHT), Image.LANCZOS)
            img.save(os.path.join(folder, os.path.splitext(os.path.basename(f))[0] + ".jpg"), "JPEG", quality=QUALITY)
            count += 1
    return count


def pack_resnet(out):
    arrays = {}
    for n, (w, bn) in enumerate(onnx_weights.conv_bn_pairs(imagenet_resnet18())):
        arrays[f"w{n}"], arrays[f"s{n}"] = per_channel_int8(w)
        for name, a in zip("gbmv", bn):
            arrays[f"{name}{n}"] = a.astype(np.float32)
    np.savez(os.path.join(out, "resnet18.npz"), **arrays)
    return len(arrays) // 6


def pack_teachers(paths, out):
    folder = os.path.join(out, "teachers")
    os.makedirs(folder, exist_ok=True)
    for path in paths:
        z = np.load(path)
        arrays = {k: z[k].astype(np.float16) if z[k].dtype == np.float32 else z[k] for k in z.files if k != "record"}
        np.savez(os.path.join(folder, os.path.basename(path)), record=z["record"], **arrays)
    return folder


NOTE = (f"trained on a copy made by tools/train/pack_for_device.py: photos re-encoded as JPEG quality {QUALITY}, "
        f"the cattely ones shrunk to {CATTELY_HEIGHT} pixels high; ResNet18 ImageNet weights carried as int8 per "
        "output channel")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/cattle")
    ap.add_argument("--out", default=".gpu-pack")
    ap.add_argument("--teachers", help=".state.npz files to carry as float16, comma-separated")
    ap.add_argument("--teachers-only", action="store_true", help="pack the teachers and nothing else")
    args = ap.parse_args()
    if args.teachers:
        print(f"teachers packed into {pack_teachers(args.teachers.split(','), args.out)}")
    if args.teachers_only:
        return
    photos = pack_photos(args.data, args.out)
    layers = pack_resnet(args.out)
    with open(os.path.join(args.out, "data", "PACKING.txt"), "w") as f:
        f.write(NOTE + "\n")
    print(f"{photos} photos and {layers} ResNet18 convolutions packed into {args.out}")


if __name__ == "__main__":
    main()
