"""Framework-free helpers shared by scripts/make_fixtures.py and scripts/make_paddle_fixtures.py.

The two fixture scripts run in different environments (torch/timm/transformers in .venv-ref,
paddle in .venv-paddle), so this module imports the Python standard library only. Where a helper
takes arrays (logits, attention probabilities) it uses nothing but methods and operators that
numpy arrays and torch tensors both have, so each script's numbers are computed exactly as they
were before the helpers moved here.

The scripts are run as ``python scripts/X.py`` from the repository root; Python puts the
script's own folder first on sys.path, which is how ``import fixture_common`` finds this file.

The weight formula of the v2/v3 fixture scripts (make_v2_fixtures.py, make_paddle_v2_fixtures.py,
make_paddle_v3_fixtures.py) needs numpy, so it is not here: it is in scripts/weight_formula.py.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import pickletools
import re
import sys
from pathlib import Path

# The recipe constants both scripts share (make_paddle_fixtures.py follows make_fixtures.py).
VARIANTS = ("xxs", "xs", "s")
BATCH = 2
QKV_STD = 0.3
LINEAR_BIAS_STD = 0.05


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------

def new_parser(doc: str) -> argparse.ArgumentParser:
    """A parser whose description is the first paragraph of the script's docstring."""
    return argparse.ArgumentParser(description=doc.split("\n\n")[0],
                                   formatter_class=argparse.RawDescriptionHelpFormatter)


def add_common_args(p: argparse.ArgumentParser, *, sizes_default: str, out_default: str) -> None:
    """--variants, --sizes, --seed and --out (in that order)."""
    p.add_argument("--variants", default="xxs",
                   help="comma-separated subset of xxs,xs,s (default: xxs)")
    p.add_argument("--sizes", default=sizes_default,
                   help="comma-separated input sizes; N means NxN, or HxW such as 193x301 "
                        f"(default: {sizes_default})")
    p.add_argument("--seed", type=int, default=0, help="seed for weights and inputs (default: 0)")
    p.add_argument("--out", default=out_default, help=f"output folder (default: {out_default})")


def add_version_flag(p: argparse.ArgumentParser, pinned: dict) -> None:
    """--allow-other-versions, naming the pinned packages."""
    p.add_argument("--allow-other-versions", action="store_true",
                   help=f"run even if {'/'.join(pinned)} differ from the pins {pinned}")


def parse_choices(p: argparse.ArgumentParser, text: str, choices, what: str) -> list[str]:
    """A comma-separated list, lower-cased, each entry one of `choices` (else p.error)."""
    picked = [v.strip().lower() for v in text.split(",") if v.strip()]
    for v in picked:
        if v not in choices:
            p.error(f"unknown {what} {v!r}; choose from {','.join(choices)}")
    return picked


def parse_sizes(p: argparse.ArgumentParser, text: str) -> list[tuple[int, int]]:
    """Comma-separated sizes, N meaning NxN or HxW, as (H, W); each side at least 32."""
    sizes = []
    for s in text.split(","):
        s = s.strip().lower()
        m = re.fullmatch(r"(\d+)(?:x(\d+))?", s)
        if not m:
            p.error(f"bad size {s!r}; use N or HxW")
        h = int(m.group(1))
        w = int(m.group(2)) if m.group(2) else h
        if h < 32 or w < 32:
            p.error(f"size {s!r} is too small (each side must be at least 32)")
        sizes.append((h, w))
    return sizes


def finish_common_args(p: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Turn args.variants and args.sizes (as given) into a list of variants and of (H, W)."""
    args.variants = parse_choices(p, args.variants, VARIANTS, "variant")
    args.sizes = parse_sizes(p, args.sizes)


def version_mismatch(msg: str, allow_other: bool) -> None:
    """Stop with `msg`, or only warn with --allow-other-versions."""
    if not allow_other:
        sys.exit(msg + " (pass --allow-other-versions to run anyway)")
    print("WARNING:", msg, file=sys.stderr)


# ---------------------------------------------------------------------------------------------
# Statistics and reports
# ---------------------------------------------------------------------------------------------

def attention_stats(n: int, row_max, row_entropy) -> dict:
    """The meta entry of one attention layer over `n` tokens.

    row_max: the largest softmax probability of every query row; row_entropy: the entropy of
    every row (natural log). Either a numpy array or a torch tensor: the means (and the division
    by log N) are taken in the caller's framework and dtype.
    """
    return {"tokens": n,
            "uniform": 1.0 / n,
            "mean_max_prob": float(row_max.mean()),
            "mean_entropy_over_log_n": float(row_entropy.mean() / math.log(n))}


def print_attention(stats: dict, width: int, entropy: bool = True) -> None:
    for name, s in stats.items():
        line = (f"    attn {name:{width}s} N={s['tokens']:4d}  mean max-prob "
                f"{s['mean_max_prob']:.4f} (uniform {s['uniform']:.4f})")
        if entropy:
            line += f"  entropy/logN {s['mean_entropy_over_log_n']:.3f}"
        print(line)


def logits_summary(logits_np) -> dict:
    """Shape, spread and argmax of [batch, classes] logits (a numpy array)."""
    return {"logits_shape": list(logits_np.shape),
            "logits_std": float(logits_np.std()),
            "logits_mean": float(logits_np.mean()),
            "logits_absmax": float(abs(logits_np).max()),
            "logits_std_of_row_difference": float((logits_np[0] - logits_np[1]).std()),
            "argmax": logits_np.argmax(1).tolist()}


def print_logits(label: str, s: dict) -> None:
    """One line from a logits_summary."""
    print(f"[{label}] logits std {s['logits_std']:.4f}  mean {s['logits_mean']:.4f}  "
          f"absmax {s['logits_absmax']:.4f}  std(img0-img1) "
          f"{s['logits_std_of_row_difference']:.4f}  argmax {s['argmax']}")


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------

def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def files_table(paths) -> dict:
    """The meta files' "files" entry: name -> sha256 and size of each file written."""
    return {p.name: {"sha256": sha256(p), "bytes": p.stat().st_size} for p in paths}


def write_meta(path: Path, meta: dict) -> None:
    path.write_text(json.dumps(meta, indent=2) + "\n")


def print_written(paths) -> None:
    for p in paths:
        print(f"    {p.stat().st_size:>11,d}  {p}")


def pickle_info(data: bytes) -> dict:
    """Protocol, the GLOBAL/STACK_GLOBAL (module, name) pairs and the opcodes of a pickle."""
    proto, found, ops, pushed, memo = None, [], set(), [], {}
    for op, arg, _pos in pickletools.genops(data):
        ops.add(op.name)
        if op.name == "PROTO":
            proto = arg
        elif op.name == "GLOBAL":
            found.append(tuple(arg.split(" ", 1)))
        elif op.name == "STACK_GLOBAL":
            found.append((pushed[-2], pushed[-1]))
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE",
                       "SHORT_BINSTRING", "BINSTRING", "STRING"):
            pushed.append(arg)
        elif op.name in ("BINGET", "LONG_BINGET", "GET"):
            pushed.append(memo.get(arg))
        elif op.name in ("BINPUT", "LONG_BINPUT", "PUT"):
            memo[arg] = pushed[-1] if pushed else None
        elif op.name == "MEMOIZE":
            memo[len(memo)] = pushed[-1] if pushed else None
        else:
            pushed.append(None)
    return {"protocol": proto, "globals": sorted({f"{m}.{n}" for m, n in found}),
            "opcodes": sorted(ops)}
