#!/usr/bin/python3
"""Pretrain an embedder on procedurally generated cow faces (synthetic_faces.py) and leave it as a
.state.npz that train_embedder.py --init-from starts from.

Run: /usr/bin/python3 tools/train/pretrain_synthetic.py --device cuda --budget 150 --out DIR

Every batch is new cows (default 64 × 4 views), so nothing repeats and nothing is memorised: the loss is
a supervised contrastive term (each view against the batch, its own cow's other views the positives)
plus the batch-hard triplet term real training uses. Progress is measured on a fixed set of synthetic
cows never trained on and, when --data holds the real photos, on the real validation and test cows
(the split of train_embedder.py's --seed), which pretraining never sees.
"""
import argparse, datetime, json, math, os, sys, time

import torch
import torch.nn.functional as F

import allocator
import synthetic_faces
import train_embedder as te

PRETRAINING = ("pretrained on procedurally generated cow faces (tools/train/synthetic_faces.py): {steps} "
               "batches of {cows} new identities{families} × {views} views, supervised contrastive (temperature "
               "0.1) plus batch-hard triplet loss")


PROBE_COWS = 200  # held-out synthetic cows progress is measured on (rounded up to whole families)


def supervised_contrastive(emb, labels, temperature=0.1):
    """Each view's softmax over the rest of the batch should sit on its own cow's other views."""
    e = F.normalize(emb)
    sim = (e @ e.t()) / temperature
    self_mask = torch.eye(len(labels), dtype=torch.bool, device=emb.device)
    sim = sim.masked_fill(self_mask, -1e9)
    positive = (labels[:, None] == labels[None, :]) & ~self_mask
    log_p = F.log_softmax(sim, dim=1)
    return -(log_p * positive).sum(1).div(positive.sum(1).clamp(min=1)).mean()


def real_figures(model, data, seed, width, height):
    """Rank-1 3-shot and TAR @ FAR 1 % on the real validation and test cows, before any real training."""
    parts = te.split(te.list_identities(data), seed)
    out = {}
    for part in ("val", "test"):
        imgs, labels = te.stack(parts[part], width, height)
        r = te.evaluate(te.embed(model, te.to_tensor(imgs)), labels, seed)
        out[part] = {k: round(r[k], 4) for k in ("rank1_3shot", "tar_at_far_1pct")}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", choices=("small", "fast"), default="small")
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--height", type=int, default=128)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--steps", type=int, default=20000, help="batches at most")
    ap.add_argument("--budget", type=float, help="seconds: fewer batches if the steps would not fit")
    ap.add_argument("--cows", type=int, default=64, help="new identities per batch")
    ap.add_argument("--views", type=int, default=4)
    ap.add_argument("--family", type=int, default=1, help="cows per family of look-alikes (1: all unrelated)")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=7, help="the real split's seed, for the figures on real cows")
    ap.add_argument("--init-seed", type=int, default=11)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", help="the real photos (train_embedder's --data) to report figures on")
    ap.add_argument("--out", default=".")
    ap.add_argument("--name", default="pretrained")
    args = ap.parse_args()
    if args.family < 1 or args.cows % args.family:
        ap.error(f"--cows {args.cows} must be a whole number of --family {args.family}")
    torch.manual_seed(args.init_seed)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    gen = torch.Generator(device=device).manual_seed(args.init_seed)
    held = torch.Generator(device=device).manual_seed(10_000 + args.init_seed)
    probe_cows = args.family * math.ceil(PROBE_COWS / args.family)
    probe_x, probe_y = synthetic_faces.batch(held, device, probe_cows, 4, args.height, args.width, args.family)

    model = te.build(args.arch, False).to(device)
    # Until the pace is known and the one-cycle schedule made, the rate it starts from.
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr / 25, weight_decay=5e-4)
    started = time.time()
    # The first batches pay for the device's warm-up, so the pace is timed over the next ones.
    steps, timed_from, warm = args.steps, min(10, args.steps), min(40, args.steps)
    sched = None
    step = 0
    while step < steps:
        if step == timed_from:
            pace_started = time.time()
        if step == warm:
            if args.budget:
                per_step = (time.time() - pace_started) / (warm - timed_from)
                fit = warm + te.within_budget(args.budget, time.time() - started, per_step)
                if fit < steps:
                    print(f"budget: {steps} batches would not fit in {args.budget:.0f} s; training {fit}", flush=True)
                    steps = max(warm + 1, fit)
            sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=steps - warm)
        model.train()
        x, labels = synthetic_faces.batch(gen, device, args.cows, args.views, args.height, args.width, args.family)
        emb = model(te.to_model(x))
        loss = supervised_contrastive(emb, labels) + te.batch_hard_triplet(emb, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
        step += 1
        if step % 500 == 0 or step == steps:
            r = te.evaluate(te.embed(model, probe_x.cpu()), probe_y.tolist(), args.seed)
            print(f"step {step}/{steps} loss {loss.item():.3f} ({time.time() - started:.0f}s) synthetic "
                  f"rank1_3shot {r['rank1_3shot']:.3f} tar@far1% {r['tar_at_far_1pct']:.3f}", flush=True)

    model.eval()
    probe = te.evaluate(te.embed(model, probe_x.cpu()), probe_y.tolist(), args.seed)
    record = {"arch": args.arch, "grey": False, "width": args.width, "height": args.height, "seed": args.seed,
              "init_seed": args.init_seed, "steps": steps, "family": args.family, "command": " ".join(sys.argv),
              "pretraining": PRETRAINING.format(steps=steps, cows=args.cows, views=args.views,
                                                families=f" in look-alike families of {args.family}" if args.family > 1 else ""),
              "seconds": round(time.time() - started),
              "trained_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
              "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
              "torch": torch.__version__,
              "synthetic_probe": {k: round(probe[k], 4) for k in ("rank1_3shot", "tar_at_far_1pct")}}
    if args.data:
        record["real_before_training"] = real_figures(model, args.data, args.seed, args.width, args.height)
    os.makedirs(args.out, exist_ok=True)
    te.save_state(os.path.join(args.out, f"{args.name}.state.npz"), model.cpu(), record)
    print(json.dumps({k: record[k] for k in ("steps", "seconds", "synthetic_probe", "real_before_training")
                      if k in record}, indent=2))


if __name__ == "__main__":
    allocator.keep_freed_memory()
    main()
