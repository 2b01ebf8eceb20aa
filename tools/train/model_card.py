#!/usr/bin/python3
"""Write models/<name>.md, the model card, from the manifest that train_embedder.py wrote and, when
given, the JSON reports of the C# harness (tools/agri eval faces) on held-out identities.

Run: /usr/bin/python3 tools/train/model_card.py models/cattle-face-embedder.manifest.json \
        [--eval holstein2025=/tmp/eval-holstein2025.json --eval cattely=/tmp/eval-cattely.json]
        [--draws holstein2025=/tmp/seed1.json,/tmp/seed2.json,...]   (the harness run with other --seed values)
"""
import json, os, sys


def pct(x):
    return f"{100 * x:.1f} %"


def row(name, r):
    return (f"| {name} | {r['identities']} | {r['images']} | {pct(r['rank1_1shot'])} | {pct(r['rank1_3shot'])} | "
            f"{pct(r['tar_at_far_1pct'])} | {pct(r['tar_at_far_0_1pct'])} | {pct(r['eer'])} | {pct(r['false_duplicate_rate'])} |")


def spread(name, paths):
    """Means and ranges of the harness's figures over more enrolment draws (its --seed)."""
    reports = [json.load(open(p)) for p in paths]
    seeds = ", ".join(str(r["seed"]) for r in reports)

    def figure(key):
        v = [r[key] for r in reports]
        return f"{pct(sum(v) / len(v))} ({pct(min(v))}–{pct(max(v))})"

    return (f"\nOver {len(reports)} more enrolment draws of {name} (`--seed` {seeds}), mean (range): rank-1 3-shot "
            f"{figure('rank1_3shot')}, TAR @ FAR 1 % {figure('tar_at_far_1pct')}, TAR @ FAR 0.1 % "
            f"{figure('tar_at_far_0_1pct')}, EER {figure('eer')}.\n")


def harness(evals, draws):
    if not evals:
        return ""
    reports = [(name, json.load(open(p))) for name, p in evals]
    rows = "\n".join(row(f"{name} test", r) for name, r in reports)
    left_out = "; ".join(
        f"{name}: {r['photos']['refused_by_quality_gate']} by the quality gate and {r['photos']['refused_as_not_a_cattle_face']} "
        f"by the face check, of {r['photos']['files']}" for name, r in reports if "photos" in r)
    return f"""
### Through the edge pipeline (C#)

`tools/agri eval faces --data DIR --json OUT.json` on a folder holding only the test identities: ImageSharp
decoding, the quality gate, C# preprocessing and ONNX Runtime, as on a handheld. Same protocol; the
enrolment photos are drawn by the C# harness's own seeded generator, so single figures differ from the
Python ones above by the luck of the draw on so few animals. Photos the handheld would refuse are
left out, as in the field ({left_out}).

| set | identities | images | rank-1 1-shot | rank-1 3-shot | TAR @ FAR 1 % | TAR @ FAR 0.1 % | EER | false-duplicate rate |
|---|---|---|---|---|---|---|---|---|
{rows}
{"".join(spread(name, paths.split(",")) for name, paths in draws)}"""


def where(t):
    device = t.get("device", "cpu")
    if device == "cpu":
        return f"/usr/bin/python3 with Debian's torch {t.get('torch', '1.13')[:4]} on the CPU"
    return f"on an {device} (torch {t['torch']})"


def init_seed(t):
    return f", initialisation seed {t['init_seed']}" if t.get("init_seed") is not None else ""


def provenance(t):
    lines = []
    if t.get("data_preparation"):
        lines.append(f"Photos: {t['data_preparation']}.")
    start = t.get("initialised_from")
    if start:
        how = start.get("pretraining") or start.get("loss", "trained before")
        # Records written before they kept torch's version: the start was made in the same sweep, same machine.
        made = where({"torch": t.get("torch", "?"), **start})
        lines.append(f"Started from `{start['file']}` ({start['arch']}, {how}; {start['seconds']} s {made}; "
                     f"`{start['command']}`), not from random weights.")
        real = start.get("real_before_training")
        if real:
            lines.append(f"That start alone, before any real photo: validation rank-1 3-shot "
                         f"{pct(real['val']['rank1_3shot'])}, TAR @ FAR 1 % {pct(real['val']['tar_at_far_1pct'])}.")
    if "distilled" in t.get("loss", ""):
        lines.append("The teachers are networks trained before it with the same split (`tools/train/gpu-sweep` "
                     "runs the whole sequence on a GPU; its header gives the order).")
    if t.get("device", "cpu") != "cpu":
        lines.append("GPU training is not bit-for-bit reproducible: running the commands again gives networks "
                     "of the same recipe, not these weights.")
    return "\n" + "\n".join(lines) + "\n" if lines else ""


def described(t):
    if not t.get("described_by"):
        return ""
    return (f"\nEvaluated, exported to ONNX and described on the CPU here by `{t['described_by']}`; the "
            "figures below are that evaluation's, on the original photos.\n")


def network(t):
    return f"""`{t['command']}` — {where(t)}, {t['epochs']} epochs,
{t['seconds']} s{init_seed(t)}. {t.get('architecture', 'A 4-stage CNN (8 conv layers, 32→256 channels, BatchNorm, global average pooling, 128-d linear head)')}
trained over the training identities with {t.get('loss', 'a CosFace loss (s = 30, m = 0.35)')};
augmentation: {t.get('augmentation', 'random 64 px crop from 72 px, brightness/contrast jitter, 30 % greyscale (night IR frames)')}.
{provenance(t)}"""


def training(t):
    members = t.get("members")
    if not members:
        return network(t)
    text = (f"An ensemble of {len(members)} networks run as one ONNX graph: a photo goes through each, and the "
            f"embedding is their unit embeddings side by side over √{len(members)}, so the cosine similarity of "
            "two photos is the mean of the members' similarities. Each member was trained alone:\n")
    for k, m in enumerate(members):
        text += f"\n**Member {k + 1}** (`{m['file']}`): {network(m)}"
    return text


def mirror(m):
    if not m.get("mirror_view"):
        return ""
    return ("Inside the graph each photo also goes through mirrored left to right, in the same batch; the "
            "two unit embeddings are added and normalised again (test-time augmentation, "
            "`train_embedder.py --mirror-view`). It doubles the embedding's cost.\n")


def quantisation(m):
    q = m.get("quantisation")
    if not q:
        return ""
    f = q["float_metrics"]
    return f"""
## Quantisation (what ships)

`{q['command']}` ({q['seconds']} s, seed {q['seed']}) turned the float network (`{q['from']}`) into
`{m['file']}`. {q['scheme']}. Calibration: {q['calibration']}. The figures above are the int8 network's
(ONNX Runtime's integer arithmetic emulated in Python); the threshold was chosen again on validation.
The float network, for comparison:

| set | identities | images | rank-1 1-shot | rank-1 3-shot | TAR @ FAR 1 % | TAR @ FAR 0.1 % | EER | false-duplicate rate |
|---|---|---|---|---|---|---|---|---|
{row('all test identities (float)', f['test'])}
{row('holstein2025 test (float)', f['test_per_dataset']['holstein2025'])}
{row('validation (float)', f['validation'])}
"""


def data(t):
    """Where the photos came from: the two shared sets, split by seed, or a registry's export with the split
    tools/agri model retrain drew (t["split_from"])."""
    split = t["split"]
    counts = f"train {len(split['train'])} identities, validation {len(split['val'])}, test {len(split['test'])} (the lists are in the manifest)"
    if t.get("split_from"):
        return f"""## Data
Enrolled animals of a registry, exported by `tools/agri model retrain` (one folder of stored crops per animal)
with the split it drew: the test animals are the registry's held-out animals, never trained on; {counts}.
"""
    return f"""## Data
`../shared/data/cattle/holstein2025` (82 cows, Holstein, farm surveillance cameras) and
`../shared/data/cattle/cattely` (30 cows, frontal crops from video). **Neither set carries a licence**
(see ../shared/data/README.md): the weights are for internal evaluation; judge before redistributing.

Identities are split by seed {t['seed']} into train / validation / test, separately per dataset, so
no animal in validation or test was seen in training: {counts}.
"""


def per_dataset(metrics):
    """A row per dataset of the test identities, Holstein2025 first (the honest guide)."""
    sets = metrics["test_per_dataset"]
    return "\n".join(row(f"{d} test", sets[d]) for d in sorted(sets, key=lambda d: (d != "holstein2025", d)))


def main(path, evals, draws):
    m = json.load(open(path))
    t = m["training"]
    metrics = m["metrics"]
    card = f"""# {m['id']} {m['version']} — model card

**What it does.** Maps a cow face photo to a {m['output']['size']}-dimensional embedding; two photos of the
same animal score high under cosine similarity. The cloud calls two photos the same animal at or above the
operating threshold **{m['threshold']}** (from the manifest).

**Status.** The targets of the biometrics issue (rank-1 3-shot ≥ 90 %, TAR ≥ 90 % at
FAR 1 % on held-out identities) are {"met" if metrics['test']['rank1_3shot'] >= 0.9 and metrics['test']['tar_at_far_1pct'] >= 0.9 else "**not met**"} by this model; see the figures below.

## Input
{m['input']['width']}×{m['input']['height']} {m['input']['colour'].upper()}, {m['input']['layout'].upper()}, float32; the photo is stretched
to that size (bilinear), scaled by 1/255, then (x − {m['input']['mean']}) / {m['input']['std']} per channel.
{mirror(m)}Output `{m['output']['name']}`, {'already of unit length' if t.get('members') or m.get('mirror_view') else 'not normalised'}: callers L2-normalise it.

{data(t)}
## Training
{training(t)}
The operating threshold is the FAR 0.1 % point of the **validation** identities' impostor scores.
{described(t)}
## Measured accuracy (protocol of ../shared/EVAL.md, test identities, seed {t['seed']})

| set | identities | images | rank-1 1-shot | rank-1 3-shot | TAR @ FAR 1 % | TAR @ FAR 0.1 % | EER | false-duplicate rate @ {m['threshold']} |
|---|---|---|---|---|---|---|---|---|
{row('all test identities', metrics['test'])}
{per_dataset(metrics)}
{row('validation (threshold set here)', metrics['validation'])}

Rank-1 is among the test identities only (a gallery of {metrics['test']['identities']}); it falls as the
registry grows. These figures come from the Python evaluation at the end of training.
{quantisation(m)}{harness(evals, draws)}
## Known limits
- Test sets are small ({metrics['test']['identities']} animals), so each figure has a wide error bar.
- The cattely figures are near perfect mostly because each cow's photos are frames of one short video:
  enrolment and query photos are near-duplicates. The holstein2025 figures (separate clips, hand-named
  photos, day and night infrared) are the better guide to a claim photographed months after enrolment.
- The false-duplicate rate is 0 here because the herds are small (6 and 16 animals); it grows with the
  registry, and the biometrics issue measures it at registry scale.
- No face detector: the photo must be framed on the face. The face check (`cattle-face-check`) refuses
  photos that are not a cattle face; it does not find a face inside a wider scene.
"""
    out = os.path.join(os.path.dirname(path), f"{m['id']}.md")
    open(out, "w").write(card)
    print(f"wrote {out}")


if __name__ == "__main__":
    args = sys.argv[1:]
    evals = [tuple(args[i + 1].split("=", 1)) for i in range(len(args)) if args[i] == "--eval"]
    draws = [tuple(args[i + 1].split("=", 1)) for i in range(len(args)) if args[i] == "--draws"]
    main(args[0], evals, draws)
