#!/usr/bin/python3
"""Post-training int8 quantisation of a trained embedder, for the handheld.

Run: /usr/bin/python3 tools/train/quantize.py OUT/cattle-face-embedder.manifest.json [--data ../shared/data/cattle]

Reads the float ONNX file the manifest names (a chain of Conv → Relu [→ MaxPool], then global average
pooling and a float head), calibrates activation ranges on photos of the manifest's *training*
identities, and writes beside it `<name>.int8.onnx` in ONNX's QOperator form: QLinearConv with uint8
activations and per-channel int8 weights, uint8 MaxPool, and the float head after one DequantizeLinear.
ReLU is the uint8 floor of each convolution's output (zero point 0), so it costs nothing.

The script evaluates the int8 network by emulating ONNX Runtime's integer arithmetic (int32
accumulation, float32 requantisation, round half to even) on the validation and test identities with
the protocol of ../shared/EVAL.md, picks the operating threshold again on validation, and rewrites the
manifest (file, threshold, metrics, a `quantisation` record), the parity data and the model card.
"""
import argparse, base64, json, math, os, random, subprocess, sys, time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import allocator  # noqa: E402
import onnx_weights as ox  # noqa: E402
import train_embedder as te  # noqa: E402

PERCENTILE = 99.99  # of each activation over the calibration photos: one hot pixel must not set the scale
CALIBRATION_PHOTOS = 256


def per_channel_int8(w):
    """Symmetric int8 weights, one scale per output channel: (int8 weights, float32 scales)."""
    scale = (np.abs(w).reshape(w.shape[0], -1).max(axis=1) / 127.0).astype(np.float32)
    scale[scale == 0] = 1.0
    return np.clip(np.round(w / scale[:, None, None, None]), -127, 127).astype(np.int8), scale


class Plan:
    """The float network as stages: ("conv", weight, bias, stride, pads) with its ReLU, ("pool", k, s),
    then the float head ops that follow global average pooling."""

    def __init__(self, path):
        weights, nodes = ox.read(path)
        self.stages, self.head = [], []
        i = 0
        while i < len(nodes):
            op, inputs, attrs = nodes[i]
            if op == "Conv":
                if attrs.get("group", 1) != 1 or attrs.get("dilations", [1, 1]) != [1, 1]:
                    raise ValueError(f"{path}: grouped or dilated convolution not supported")
                if i + 1 >= len(nodes) or nodes[i + 1][0] != "Relu":
                    raise ValueError(f"{path}: convolution {len(self.stages)} is not followed by Relu")
                bias = weights[inputs[2]] if len(inputs) > 2 else np.zeros(weights[inputs[1]].shape[0], np.float32)
                self.stages.append(("conv", weights[inputs[1]], bias, attrs.get("strides", [1, 1]),
                                    attrs.get("pads", [0, 0, 0, 0])))
                i += 2
            elif op == "MaxPool":
                if attrs.get("pads", [0, 0, 0, 0]) != [0, 0, 0, 0] or attrs.get("ceil_mode", 0):
                    raise ValueError(f"{path}: padded MaxPool not supported")
                self.stages.append(("pool", attrs["kernel_shape"], attrs["strides"]))
                i += 1
            elif op == "GlobalAveragePool":
                self.head = [(o, [weights.get(n) for n in ins[1:]], a) for o, ins, a in nodes[i + 1:]]
                for o, _, _ in self.head:
                    if o not in ("Flatten", "Gemm", "BatchNormalization"):
                        raise ValueError(f"{path}: {o} after pooling not supported")
                return
            else:
                raise ValueError(f"{path}: {op} not supported before pooling")
        raise ValueError(f"{path}: no GlobalAveragePool")

    def head_forward(self, x):
        """Float head on pooled features (N, C)."""
        for op, w, a in self.head:
            if op == "Gemm":
                weight = torch.from_numpy(w[0]).double()
                x = x @ (weight.t() if a.get("transB", 0) else weight) + torch.from_numpy(w[1]).double()
            elif op == "BatchNormalization":
                scale, bias, mean, var = (torch.from_numpy(v).double() for v in w)
                x = (x - mean) / torch.sqrt(var + a.get("epsilon", 1e-5)) * scale + bias
        return x


def conv(x, weight, bias, stride, pads):
    x = F.pad(x, (pads[1], pads[3], pads[0], pads[2]))
    return F.conv2d(x, weight, bias, stride=stride)


def exact_conv(x, w_q, stride, pads):
    """The int32 sum of an integer convolution, exactly, from two float32 convolutions: x (less its zero
    point, −255…255) is split as 16·high + low so that no partial sum passes 2^24, where float32 stops
    holding integers. Padding is zero here, the zero point in ONNX Runtime: padded cells are real zeros."""
    w = torch.from_numpy(w_q.astype(np.float32))
    high = torch.div(x, 16, rounding_mode="floor")
    low = x - 16 * high
    acc = conv(high.float(), w, None, stride, pads).double() * 16
    return acc + conv(low.float(), w, None, stride, pads).double()


def float_forward(plan, x, record=None):
    """The float network; when record is a list, each convolution's input is appended to it."""
    for stage in plan.stages:
        if stage[0] == "conv":
            if record is not None:
                record.append(x)
            x = F.relu(conv(x, torch.from_numpy(stage[1]), torch.from_numpy(stage[2]), stage[3], stage[4]))
        else:
            x = F.max_pool2d(x, stage[1], stage[2])
    if record is not None:
        record.append(x)
    return plan.head_forward(x.mean(dim=(2, 3)).double())


class Quantised:
    """Scales and integer weights, and the emulation of ONNX Runtime's QLinearConv."""

    def __init__(self, plan, calibration):
        record = []
        with torch.no_grad():
            float_forward(plan, calibration, record)
        convs = [s for s in plan.stages if s[0] == "conv"]
        lo, hi = float(calibration.min()), float(calibration.max())
        self.in_scale = np.float32((hi - lo) / 255.0)
        self.in_zero = int(np.clip(round(-lo / float(self.in_scale)), 0, 255))
        # Each later tensor is a ReLU output: zero point 0, the scale from the percentile.
        self.scales = [self.in_scale] + [np.float32(np.percentile(r.numpy(), PERCENTILE) / 255.0) for r in record[1:]]
        self.layers = []
        for n, (_, w, b, stride, pads) in enumerate(convs):
            w_q, w_scale = per_channel_int8(w)
            b_q = np.round(b / (np.float64(self.scales[n]) * w_scale)).astype(np.int32)
            # ONNX Runtime multiplies the int32 sum by (x_scale · w_scale) / y_scale in float32.
            mult = (np.float32(self.scales[n]) * w_scale / np.float32(self.scales[n + 1])).astype(np.float32)
            self.layers.append((w_q, w_scale, b_q, mult, stride, pads))

    def quantise_input(self, x):
        q = torch.round(x.float() / torch.tensor(self.in_scale)) + self.in_zero
        return q.clamp(0, 255).double()

    def forward(self, plan, x):
        q = self.quantise_input(x)
        zero = self.in_zero
        n = 0
        for stage in plan.stages:
            if stage[0] == "conv":
                w_q, _, b_q, mult, stride, pads = self.layers[n]
                acc = exact_conv(q - zero, w_q, stride, pads) + torch.from_numpy(b_q.astype(np.float64)).view(1, -1, 1, 1)
                y = acc.float() * torch.from_numpy(mult).view(1, -1, 1, 1)
                q = torch.round(y).clamp(0, 255).double()
                zero = 0
                n += 1
            else:
                q = F.max_pool2d(q, stage[1], stage[2])
        pooled = (q * float(self.scales[-1])).mean(dim=(2, 3))
        return plan.head_forward(pooled)

    def branch(self, plan, prefix, output):
        """Nodes and initialisers of this network, from the quantised input q0 to its float head's output."""
        nodes, inits = [], []
        cur, n = "q0", 0
        for k, stage in enumerate(plan.stages):
            out = f"{prefix}q{k + 1}"
            if stage[0] == "conv":
                w_q, w_scale, b_q, _, stride, pads = self.layers[n]
                names = [f"{prefix}c{n}_{s}" for s in ("w", "ws", "wz", "b", "ys", "yz")]
                inits += [ox.tensor(names[0], w_q), ox.tensor(names[1], w_scale),
                          ox.tensor(names[2], np.zeros(w_q.shape[0], np.int8)), ox.tensor(names[3], b_q),
                          ox.tensor(names[4], np.array(self.scales[n + 1], np.float32)),
                          ox.tensor(names[5], np.array(0, np.uint8))]
                in_scale = "x_scale" if n == 0 else f"{prefix}c{n - 1}_ys"
                in_zero = "x_zero" if n == 0 else f"{prefix}c{n - 1}_yz"
                nodes.append(ox.node("QLinearConv", [cur, in_scale, in_zero, names[0], names[1], names[2],
                                                     names[4], names[5], names[3]], [out],
                                     kernel_shape=list(w_q.shape[2:]), strides=list(stride), pads=list(pads)))
                n += 1
            else:
                nodes.append(ox.node("MaxPool", [cur], [out], kernel_shape=list(stage[1]), strides=list(stage[2])))
            cur = out
        last = f"{prefix}c{n - 1}"
        nodes.append(ox.node("DequantizeLinear", [cur, f"{last}_ys", f"{last}_yz"], [f"{prefix}features"]))
        nodes.append(ox.node("GlobalAveragePool", [f"{prefix}features"], [f"{prefix}pooled"]))
        cur = f"{prefix}pooled"
        for k, (op, w, a) in enumerate(plan.head):
            out = output if k == len(plan.head) - 1 else f"{prefix}h{k}"
            names = [f"{prefix}h{k}_{j}" for j in range(len(w))]
            inits += [ox.tensor(nm, v) for nm, v in zip(names, w)]
            nodes.append(ox.node(op, [cur] + names, [out], **a))
            cur = out
        return nodes, inits


def combine(outputs):
    """One network's output as it is; an ensemble's as its graph ends (train_embedder.side_by_side)."""
    return outputs[0] if len(outputs) == 1 else te.side_by_side(outputs)


def network(manifest, members):
    """The whole graph as a function of a batch, from each member's forward(batch) function."""
    def net(b):
        return combine([forward(b) for forward in members])
    return (lambda b: te.both_views(net, b)) if manifest.get("mirror_view") else net


def mirror_view(nodes, inits, inp, out, size):
    """Wrap the nodes that map `views` to `view_embedding` so that `inp` goes in, beside its mirror image, and
    `out` is the two unit embeddings added and normalised (train_embedder.both_views)."""
    inits = inits + [ox.tensor("flip_starts", np.array([-1], np.int64)),
                     ox.tensor("flip_ends", np.array([np.iinfo(np.int64).min], np.int64)),
                     ox.tensor("flip_axes", np.array([3], np.int64)), ox.tensor("flip_steps", np.array([-1], np.int64)),
                     ox.tensor("pair_shape", np.array([2, -1, size], np.int64)),
                     ox.tensor("pair_axis", np.array([0], np.int64))]
    head = [ox.node("Slice", [inp, "flip_starts", "flip_ends", "flip_axes", "flip_steps"], ["mirrored"]),
            ox.node("Concat", [inp, "mirrored"], ["views"], axis=0)]
    tail = [ox.node("LpNormalization", ["view_embedding"], ["view_units"], axis=1, p=2),
            ox.node("Reshape", ["view_units", "pair_shape"], ["paired"]),
            ox.node("ReduceSum", ["paired", "pair_axis"], ["summed"], keepdims=0),
            ox.node("LpNormalization", ["summed"], [out], axis=1, p=2)]
    return head + nodes + tail, inits


def write(members, path, manifest):
    """The QOperator ONNX file of (Quantised, Plan) members: one quantised input feeds them all."""
    q = members[0][0]
    inp, out = manifest["input"], manifest["output"]["name"]
    mirrored = manifest.get("mirror_view", False)
    first, last = ("views", "view_embedding") if mirrored else (inp["name"], out)
    nodes = [ox.node("QuantizeLinear", [first, "x_scale", "x_zero"], ["q0"])]
    inits = [ox.tensor("x_scale", np.array(q.in_scale, np.float32)), ox.tensor("x_zero", np.array(q.in_zero, np.uint8))]
    if len(members) == 1:
        n, i = q.branch(members[0][1], "", last)
        nodes, inits = nodes + n, inits + i
    else:
        units = []
        for k, (member, plan) in enumerate(members):
            n, i = member.branch(plan, f"m{k}_", f"m{k}_embedding")
            nodes, inits = nodes + n, inits + i
            nodes.append(ox.node("LpNormalization", [f"m{k}_embedding"], [f"m{k}_unit"], axis=1, p=2))
            units.append(f"m{k}_unit")
        nodes.append(ox.node("Concat", units, ["joined"], axis=1))
        inits.append(ox.tensor("spread", np.array(1 / math.sqrt(len(members)), np.float32)))
        nodes.append(ox.node("Mul", ["joined", "spread"], [last]))
    if mirrored:
        nodes, inits = mirror_view(nodes, inits, inp["name"], out, manifest["output"]["size"])
    shape_in = ["n", inp["channels"], inp["height"], inp["width"]]
    ox.write(path, nodes, inits, [ox.value_info(inp["name"], ox.FLOAT, shape_in)],
             [ox.value_info(out, ox.FLOAT, ["n", manifest["output"]["size"]])],
             {"": 13}, "agriinsure tools/train/quantize.py")


def photos(root, names, manifest, limit=None, seed=0):
    """Preprocessed photos (N, C, H, W) and labels for the named identities, as the manifest says."""
    inp = manifest["input"]
    found = {f"{d}/{i}": files for d, i, files in te.list_identities(root)}
    items = [(n, f) for n, name in enumerate(names) for f in found[name]]
    if limit is not None and len(items) > limit:
        items = random.Random(seed).sample(items, limit)
    u8 = np.stack([te.load(f, inp["width"], inp["height"]) for _, f in items])
    x = torch.from_numpy(u8).permute(0, 3, 1, 2).double() * inp["scale"]
    mean = torch.tensor(inp["mean"]).double().view(1, 3, 1, 1)
    std = torch.tensor(inp["std"]).double().view(1, 3, 1, 1)
    return ((x - mean) / std).float(), [n for n, _ in items]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("--data", default="../shared/data/cattle")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(2)
    started = time.time()
    folder = os.path.dirname(os.path.abspath(args.manifest))
    manifest = json.load(open(args.manifest))
    if manifest.get("quantisation"):
        sys.exit(f"{args.manifest} already describes a quantised model")
    float_file = manifest["file"]
    plans = [Plan(os.path.join(folder, f)) for f in manifest["training"].get("member_files", [float_file])]
    split = manifest["training"]["split"]

    calibration, _ = photos(args.data, split["train"], manifest, CALIBRATION_PHOTOS, args.seed)
    members = [(Quantised(plan, calibration), plan) for plan in plans]

    float_net = network(manifest, [lambda b, plan=plan: float_forward(plan, b) for plan in plans])
    int8_net = network(manifest, [lambda b, q=q, plan=plan: q.forward(plan, b) for q, plan in members])

    def embed(x, fn):
        with torch.no_grad():
            return torch.cat([F.normalize(fn(x[i:i + 128])) for i in range(0, len(x), 128)]).numpy()

    val_x, val_y = photos(args.data, split["val"], manifest)
    val_f = te.evaluate(embed(val_x, float_net), val_y, args.seed)
    val_report = te.evaluate(embed(val_x, int8_net), val_y, args.seed)
    threshold = val_report["threshold"]
    test_x, test_y = photos(args.data, split["test"], manifest)
    test_report, per_dataset = te.evaluate_test(embed(test_x, int8_net), test_y, split["test"], args.seed, threshold)

    name = manifest["id"]
    int8_file = f"{name}.int8.onnx"
    write(members, os.path.join(folder, int8_file), manifest)

    parity_path = os.path.join(folder, f"{name}.parity.json")
    parity = json.load(open(parity_path))
    px = np.frombuffer(base64.b64decode(parity["input"]), dtype="<f4").reshape(parity["shape"])
    with torch.no_grad():
        py = int8_net(torch.from_numpy(px.copy()).double()).float().numpy()
    # torch's float outputs stay, for the float network's own parity check.
    parity["float_output"] = parity["output"]
    parity["output"] = te.f32_b64(py)
    with open(parity_path, "w") as f:
        json.dump(parity, f)

    float_metrics = manifest["metrics"]
    manifest["file"] = int8_file
    manifest["version"] = f"{manifest['version']}-int8"
    manifest["threshold"] = round(threshold, 4)
    manifest["metrics"] = {"test": test_report, "test_per_dataset": per_dataset, "validation": val_report}
    manifest["quantisation"] = {
        "from": float_file, "command": " ".join(sys.argv), "seed": args.seed,
        "scheme": "QOperator: uint8 activations (per tensor), int8 weights (per output channel, symmetric), "
                  "int32 bias; float head after global average pooling"
                  + (f"; each of the {len(members)} members quantised alone" if len(members) > 1 else ""),
        "calibration": f"{len(calibration)} photos of training identities, activation scale at the "
                       f"{PERCENTILE} percentile",
        "float_metrics": float_metrics, "float_validation_recomputed": val_f,
        "seconds": round(time.time() - started),
    }
    with open(args.manifest, "w") as f:
        json.dump(manifest, f, indent=2)
    print(json.dumps({"validation": {k: val_report[k] for k in ("rank1_3shot", "tar_at_far_1pct")},
                      "validation_float": {k: val_f[k] for k in ("rank1_3shot", "tar_at_far_1pct")},
                      "test": test_report, "per_dataset": per_dataset}, indent=2))
    subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "model_card.py"),
                    args.manifest], check=True)


if __name__ == "__main__":
    allocator.keep_freed_memory()
    main()
