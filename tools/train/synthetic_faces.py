"""Procedurally generated cow faces: endless new identities to pretrain the embedder on.

A Holstein is told apart by where its black and white patches lie, and 79 training cows show a network
few of the ways a patch map can look. Here an identity is a random patch map (smooth noise, often a
white blaze down the middle, mostly symmetric, thresholded at a random white share) on a tapering face
with a muzzle, eyes and its own coat colours; each view of it is that face under a new pose (roll, zoom,
shift, a yaw that squeezes one side, a non-rigid wobble), light (direction, level, contrast, colour cast,
night-infrared greys), camera (blur, noise, low resolution) and background (noise, fence bars), with a
part hidden now and then. Everything is batched torch, so it runs on whatever device trains.
"""
import math

import torch
import torch.nn.functional as F


def _uniform(gen, shape, lo, hi, device):
    return lo + (hi - lo) * torch.rand(shape, generator=gen, device=device)


def _smooth_noise(gen, n, channels, coarse_h, coarse_w, height, width, device):
    z = torch.randn((n, channels, coarse_h, coarse_w), generator=gen, device=device)
    return F.interpolate(z, size=(height, width), mode="bicubic", align_corners=False)


class Identities:
    """n random cows: each a patch map in its own face frame and the colours and shape it keeps in every
    view. Maps are drawn at (height, width) and read back through a warp per view. With family > 1 the
    cows come in families of that many that share shape, colours and most of their patch map (each
    member's field adds its own noise at KIN of the family's strength): the near misses a herd holds."""

    KIN = 0.5

    def __init__(self, n, gen, device, height=128, width=64, family=1):
        if n % family:
            raise ValueError(f"{n} cows do not make families of {family}")
        d = device
        m = n // family

        def kin(t):
            return t.repeat_interleave(family, dim=0)

        def patches(count):
            return _smooth_noise(gen, count, 1, 6, 3, height, width, d) \
                + 0.3 * _smooth_noise(gen, count, 1, 12, 6, height, width, d)

        self.n = n
        field = kin(patches(m))
        if family > 1:
            field = field + self.KIN * patches(n)
        # Many cows are near mirror images of themselves about the nose line; some are not at all.
        sym = kin(_uniform(gen, (m, 1, 1, 1), 0.0, 1.0, d) ** 2)
        field = (1 - 0.5 * sym) * field + 0.5 * sym * field.flip(3)
        u = torch.linspace(-1, 1, width, device=d).view(1, 1, 1, width)
        v = torch.linspace(0, 1, height, device=d).view(1, 1, height, 1)
        blaze = kin(_uniform(gen, (m, 1, 1, 1), -0.5, 2.5, d).clamp(min=0))
        blaze_w = kin(_uniform(gen, (m, 1, 1, 1), 0.12, 0.4, d) * (1 + _uniform(gen, (m, 1, 1, 1), -0.6, 0.6, d) * (v - 0.5)))
        field = field + blaze * torch.exp(-(u / blaze_w.clamp(min=0.05)) ** 2)
        white = kin(_uniform(gen, (m,), 0.08, 0.75, d))
        if family > 1:
            white = (white + _uniform(gen, (n,), -0.05, 0.05, d)).clamp(0.03, 0.8)
        flat = field.flatten(1).sort(dim=1).values
        rank = ((1 - white) * (flat.shape[1] - 1)).long().view(n, 1)
        threshold = flat.gather(1, rank).view(n, 1, 1, 1)
        self.pattern = torch.sigmoid((field - threshold) * 12.0)  # 1 = white, with a soft edge
        self.top = kin(_uniform(gen, (m, 1, 1), 0.78, 0.98, d))         # half-width at the poll
        self.bottom = kin(_uniform(gen, (m, 1, 1), 0.32, 0.5, d))       # half-width at the muzzle
        self.muzzle = kin(_uniform(gen, (m, 1, 1), 0.1, 0.2, d))        # muzzle height, share of the face
        dark = torch.rand((m, 1), generator=gen, device=d) < 0.85
        black = torch.where(dark, _uniform(gen, (m, 1), 0.02, 0.12, d).expand(m, 3),
                            torch.stack([_uniform(gen, (m,), 0.25, 0.45, d), _uniform(gen, (m,), 0.1, 0.22, d),
                                         _uniform(gen, (m,), 0.04, 0.12, d)], 1))  # a red or brown coat
        self.black = kin(black.view(m, 3, 1, 1))
        self.white = kin((_uniform(gen, (m, 1), 0.75, 0.95, d) - _uniform(gen, (m, 3), 0.0, 0.08, d)).view(m, 3, 1, 1))
        pink = torch.stack([_uniform(gen, (m,), 0.55, 0.85, d), _uniform(gen, (m,), 0.4, 0.65, d),
                            _uniform(gen, (m,), 0.35, 0.6, d)], 1)
        grey = _uniform(gen, (m, 1), 0.15, 0.45, d).expand(m, 3)
        self.nose = kin(torch.where(torch.rand((m, 1), generator=gen, device=d) < 0.5, pink, grey).view(m, 3, 1, 1))


def render(ids, which, gen, height, width):
    """One view per entry of `which` (identity indices), in the unit space training reads: (x − 0.5) / 0.5."""
    d = ids.pattern.device
    n = which.shape[0]
    # Pose: where each output pixel falls in the face frame (u across, −1..1; v down, 0..1 at the face).
    ys = torch.linspace(-1, 1, height, device=d).view(1, height, 1).expand(n, height, width)
    xs = torch.linspace(-1, 1, width, device=d).view(1, 1, width).expand(n, height, width)
    angle = _uniform(gen, (n, 1, 1), -0.25, 0.25, d)
    zoom = _uniform(gen, (n, 1, 1), 0.85, 1.2, d)
    x = (torch.cos(angle) * xs - torch.sin(angle) * ys * height / width) / zoom + _uniform(gen, (n, 1, 1), -0.12, 0.12, d)
    y = (torch.sin(angle) * xs * width / height + torch.cos(angle) * ys) / zoom + _uniform(gen, (n, 1, 1), -0.08, 0.08, d)
    wobble = 0.06 * _smooth_noise(gen, n, 2, 4, 2, height, width, d)
    x, y = x + wobble[:, 0], y + wobble[:, 1]
    yaw = _uniform(gen, (n, 1, 1), -0.35, 0.35, d)
    x = x + yaw * (1 - x.clamp(-1, 1) ** 2)
    v = (y + 1) / 2 * 1.08 - 0.02
    u = x
    half = ids.top[which] * (1 - v) + ids.bottom[which] * v
    across = u / half
    face = torch.sigmoid((1 - across.abs()) * 25) * torch.sigmoid((v + 0.02) * 60) * torch.sigmoid((1.02 - v) * 60)

    pattern = F.grid_sample(ids.pattern[which], torch.stack([across.clamp(-1.2, 1.2), v * 2 - 1], -1),
                            mode="bilinear", padding_mode="border", align_corners=False)
    coat = ids.black[which] + (ids.white[which] - ids.black[which]) * pattern
    muzzle_top = 1 - ids.muzzle[which]
    in_muzzle = torch.sigmoid((v - muzzle_top) * 40).unsqueeze(1)
    nostrils = torch.exp(-(((across.abs() - 0.45) / 0.14) ** 2 + ((v - (muzzle_top + 1) / 2) / 0.025) ** 2)).unsqueeze(1)
    colour = coat * (1 - in_muzzle) + ids.nose[which] * in_muzzle * (1 - 0.8 * nostrils)
    eyes = torch.exp(-(((across.abs() - 0.92) / 0.07) ** 2 + ((v - 0.3) / 0.03) ** 2)).unsqueeze(1)
    colour = colour * (1 - 0.9 * eyes)
    # A rounded head lit from one side.
    bulge = torch.sqrt((1 - across.clamp(-1, 1) ** 2).clamp(min=0)).unsqueeze(1)
    light = _uniform(gen, (n, 1, 1, 1), -0.6, 0.6, d)
    shade = 0.55 + 0.45 * (bulge + light * across.clamp(-1, 1).unsqueeze(1)).clamp(0, 1.2)
    colour = colour * shade

    # Straw, soil, stall and shadow: muted, browner or greyer, never saturated.
    tint = torch.stack([torch.ones((n,), device=d), _uniform(gen, (n,), 0.8, 1.0, d), _uniform(gen, (n,), 0.6, 1.0, d)], 1)
    background = (0.35 + 0.2 * _smooth_noise(gen, n, 1, 8, 4, height, width, d)
                  + 0.08 * torch.randn((n, 1, height, width), generator=gen, device=d)) * tint.view(n, 3, 1, 1)
    background = background * _uniform(gen, (n, 1, 1, 1), 0.4, 1.3, d)
    bars = (torch.rand((n, 1, 1, 1), generator=gen, device=d) < 0.3).float()
    slope = _uniform(gen, (n, 1, 1), -1.5, 1.5, d)
    phase = _uniform(gen, (n, 1, 1), 0, 2 * math.pi, d)
    bar = (torch.sin((xs + slope * ys) * _uniform(gen, (n, 1, 1), 4, 12, d) + phase) > 0.85).float().unsqueeze(1)
    background = background * (1 - bars * bar) + bars * bar * _uniform(gen, (n, 1, 1, 1), 0.2, 0.9, d)
    img = face.unsqueeze(1) * colour + (1 - face.unsqueeze(1)) * background

    # Light and camera.
    img = img * _uniform(gen, (n, 3, 1, 1), 0.9, 1.1, d)
    img = (img - 0.5) * _uniform(gen, (n, 1, 1, 1), 0.6, 1.3, d) + 0.5 + _uniform(gen, (n, 1, 1, 1), -0.2, 0.2, d)
    night = torch.rand((n, 1, 1, 1), generator=gen, device=d) < 0.3
    lifted = img.mean(1, keepdim=True).clamp(0, 1) * 0.8 + 0.15
    img = torch.where(night, lifted.expand(-1, 3, -1, -1), img)
    img = img.clamp(0, 1) ** _uniform(gen, (n, 1, 1, 1), 0.7, 1.4, d)
    low = _uniform(gen, (1,), 0.35, 1.0, d).item()
    if low < 0.8:
        small = F.interpolate(img, scale_factor=low, mode="bilinear", align_corners=False, antialias=True)
        img = F.interpolate(small, size=(height, width), mode="bilinear", align_corners=False)
    img = img + _uniform(gen, (n, 1, 1, 1), 0, 0.05, d) * torch.randn(img.shape, generator=gen, device=d)
    hide = torch.rand((n, 1, 1, 1), generator=gen, device=d) < 0.3
    ey, ex = _uniform(gen, (n, 1, 1), -1, 1, d), _uniform(gen, (n, 1, 1), -1, 1, d)
    hh, hw = _uniform(gen, (n, 1, 1), 0.15, 0.4, d), _uniform(gen, (n, 1, 1), 0.15, 0.4, d)
    box = (((ys - ey).abs() < hh) & ((xs - ex).abs() < hw)).unsqueeze(1)
    img = torch.where(hide & box, torch.full_like(img, 0.5), img)
    return (img.clamp(0, 1) - 0.5) / 0.5


def batch(gen, device, cows, views, height, width, family=1):
    """`cows` new identities (in families of `family`) × `views` views each, and their labels 0…cows−1."""
    ids = Identities(cows, gen, device, family=family)
    which = torch.arange(cows, device=device).repeat_interleave(views)
    return render(ids, which, gen, height, width), which
