"""The weight formula of the MobileViT v2/v3 parity fixtures, in one numpy-only module.

scripts/make_v2_fixtures.py (timm / HF transformers, torch venv) and
scripts/make_paddle_v2_fixtures.py and scripts/make_paddle_v3_fixtures.py (PaddleClas, Paddle
venv) all generate their weights and inputs with the code below, so they cannot drift apart. The
module imports numpy and the Python standard library only, so both venvs can import it. The
scripts are run as ``python scripts/X.py`` from the repository root; Python puts the script's own
folder first on sys.path, which is how ``import weight_formula`` finds this file
(make_paddle_v2_fixtures.py's timm child process puts scripts/ on sys.path itself). The
framework-free helpers the fixture scripts share (command line, reports, files) are in
scripts/fixture_common.py.

The Rust tests re-implement the formula (crates/mobilevit/tests/common/mod.rs, ``formula``) and
check it against the test vectors of self_check(), which make_v2_fixtures.py records in
tests/fixtures/v2/meta.json ("formula_test_vectors", with the FORMULA text below as "formula").
The values must stay bit for bit what they are: a change here means regenerating every v2 and v3
fixture and changing the Rust side with it.

------------------------------------------------------------------------------------------------
FORMULA (the Rust tests re-implement this exactly; every step is exact integer arithmetic or one
correctly rounded IEEE-754 operation, so the values are bit-exact):

  A tensor is named by its timm state_dict key NAME (e.g. "stages.2.1.conv_proj.bn.weight") and
  has shape SHAPE, with N elements (N = 1 for shape []), visited in row-major (C) order.

  seed(NAME) = 64-bit FNV-1a of the UTF-8 bytes of NAME:
      h = 0xcbf29ce484222325
      for each byte b:  h = ((h XOR b) * 0x100000001b3) mod 2^64
      seed = h

  splitmix64 stream, one draw u_i per element i = 0, 1, ..., N-1:
      state = seed(NAME)
      for i = 0, 1, ..., N-1:
          state = (state + 0x9E3779B97F4A7C15) mod 2^64
          z = state
          z = ((z XOR (z >> 30)) * 0xBF58476D1CE4E5B9) mod 2^64
          z = ((z XOR (z >> 27)) * 0x94D049BB133111EB) mod 2^64
          z = z XOR (z >> 31)
          u_i = (z >> 40) / 2^24        (the top 24 bits; a float in [0, 1), exact in f32 and f64)

  Values: computed in f64, each operation rounded to nearest-even, in exactly the order written
  (left to right, parentheses first), then rounded once to f32 (round to nearest-even). 0.4 and
  0.2 are the f64 values nearest to 0.4 and 0.2 (the literals). The first rule that matches wins:
      NAME ends with "running_var"           0.5 + u
      NAME ends with "running_mean"          (u - 0.5) * 0.4
      NAME ends with "num_batches_tracked"   integer 0 (int64, shape [], as timm has it; no draw)
      norm weight                            0.5 + u
      norm bias                              (u - 0.5) * 0.4
      other NAME ending with "weight"        ((u - 0.5) * 2.0) * sqrt(3.0 / fan_in)
                                             fan_in = N / SHAPE[0] (an exact integer division;
                                             conv [out, in/groups, kh, kw]: in/groups*kh*kw,
                                             linear [out, in]: in); 3.0 / fan_in and sqrt are
                                             each rounded in f64, and the same f64 factor
                                             sqrt(3.0 / fan_in) multiplies every element
      other NAME ending with "bias"          (u - 0.5) * 0.2
  "norm" means: the dot-separated component of NAME just before its last one is "bn", "norm",
  "norm1" or "norm2" (NAME.split(".")[-2] in {bn, norm, norm1, norm2}). In timm's mobilevitv2
  these are exactly the BatchNorm2d modules (stem.bn, *.bn) and the GroupNorm modules
  (transformer.J.norm1, transformer.J.norm2, stages.K.1.norm); the script derives each key's
  rule from its module's type (isinstance BatchNorm2d / GroupNorm vs Conv2d / Linear) and asserts
  that it agrees with this name rule. Every key of the state_dict matches one of the rules.

  Inputs: NAME = "input", SHAPE = [2, 3, H, W] (batch 2, RGB, NCHW), value = u (in [0, 1), so
  the f64 -> f32 rounding is exact). The 200x200 input is the first 2*3*200*200 draws of the
  same stream laid out as [2, 3, 200, 200]; it is not a crop of the 256x256 one.

  The same f32 tensors are used under HF's key names (a rename only: the layouts are identical).

END FORMULA
------------------------------------------------------------------------------------------------

"The script" above is scripts/make_v2_fixtures.py (rule_from_module there); the Paddle scripts
check their layer types against rule_from_name the same way (rule_from_layer in each).

What is here: fnv1a64 (the seed), draws (the stream, vectorised in numpy uint64), rule_from_name,
formula_values (a tensor), formula_input (the input images), tensor_sha256 (the sha256 the meta
files record), and self_check(): the numpy code against a step-by-step pure-Python-int
implementation (draws_reference, formula_values_reference) on the start of the input stream and
on whole small tensors, returning the test vectors (FNV-1a seeds, the first draws of "input",
the first values of three tensors with their float32 bits).
"""

from __future__ import annotations

import hashlib
import math
import sys

import numpy as np

FORMULA = __doc__.split("FORMULA (", 1)[1].split("END FORMULA", 1)[0]
FORMULA = "FORMULA (" + FORMULA.rstrip() + "\n"

BATCH = 2  # the formula input's batch: [BATCH, 3, H, W]
FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
GAMMA = 0x9E3779B97F4A7C15
MIX1 = 0xBF58476D1CE4E5B9
MIX2 = 0x94D049BB133111EB
MASK64 = (1 << 64) - 1
NORM_MODULE_NAMES = ("bn", "norm", "norm1", "norm2")


def fnv1a64(name: str) -> int:
    h = FNV_OFFSET
    for b in name.encode("utf-8"):
        h = ((h ^ b) * FNV_PRIME) & MASK64
    return h


def draws(name: str, n: int) -> np.ndarray:
    """u_0 .. u_{n-1} of `name`'s splitmix64 stream, float64 (vectorised; uint64 arithmetic in
    numpy arrays wraps mod 2^64). state_i = seed + (i + 1) * GAMMA mod 2^64."""
    seed = np.uint64(fnv1a64(name))
    with np.errstate(over="ignore"):
        z = np.arange(1, n + 1, dtype=np.uint64) * np.uint64(GAMMA) + seed
        z = (z ^ (z >> np.uint64(30))) * np.uint64(MIX1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(MIX2)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(40)).astype(np.float64) / float(1 << 24)


def draws_reference(name: str, n: int) -> list[float]:
    """The same stream with Python ints, step by step as the module docstring states it."""
    state, out = fnv1a64(name), []
    for _ in range(n):
        state = (state + GAMMA) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * MIX1) & MASK64
        z = ((z ^ (z >> 27)) * MIX2) & MASK64
        z = z ^ (z >> 31)
        out.append((z >> 40) / 2.0 ** 24)
    return out


def rule_from_name(name: str) -> str:
    """The formula rule of a timm key, from its name only (what the Rust side does)."""
    if name.endswith("running_var"):
        return "running_var"
    if name.endswith("running_mean"):
        return "running_mean"
    if name.endswith("num_batches_tracked"):
        return "num_batches_tracked"
    parts = name.split(".")
    is_norm = len(parts) >= 2 and parts[-2] in NORM_MODULE_NAMES
    if name.endswith("weight"):
        return "norm_weight" if is_norm else "weight"
    if name.endswith("bias"):
        return "norm_bias" if is_norm else "bias"
    raise ValueError(f"no formula rule for key {name!r}")


def formula_values(name: str, shape: tuple, rule: str) -> np.ndarray:
    """The formula tensor (float32, or int64 for num_batches_tracked), row-major."""
    if rule == "num_batches_tracked":
        if shape != ():
            raise ValueError(f"{name}: num_batches_tracked of shape {shape}")
        return np.zeros((), dtype=np.int64)
    n = math.prod(shape)
    u = draws(name, n)
    if rule in ("running_var", "norm_weight"):
        v = 0.5 + u
    elif rule in ("running_mean", "norm_bias"):
        v = (u - 0.5) * 0.4
    elif rule == "weight":
        fan_in = n // shape[0]
        assert fan_in * shape[0] == n
        v = ((u - 0.5) * 2.0) * math.sqrt(3.0 / fan_in)
    elif rule == "bias":
        v = (u - 0.5) * 0.2
    else:
        raise ValueError(rule)
    return v.astype(np.float32).reshape(shape)


def formula_values_reference(name: str, shape: tuple, rule: str) -> np.ndarray:
    """formula_values with Python floats, one element at a time (for the self-check)."""
    n = math.prod(shape)
    out = []
    for u in draws_reference(name, n):
        if rule in ("running_var", "norm_weight"):
            v = 0.5 + u
        elif rule in ("running_mean", "norm_bias"):
            v = (u - 0.5) * 0.4
        elif rule == "weight":
            v = ((u - 0.5) * 2.0) * math.sqrt(3.0 / (n // shape[0]))
        else:
            v = (u - 0.5) * 0.2
        out.append(np.float32(v))
    return np.array(out, dtype=np.float32).reshape(shape)


def formula_input(h: int, w: int) -> np.ndarray:
    return draws("input", BATCH * 3 * h * w).astype(np.float32).reshape(BATCH, 3, h, w)


def tensor_sha256(a: np.ndarray) -> str:
    """sha256 of the little-endian row-major bytes of a tensor."""
    return hashlib.sha256(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes()
                          ).hexdigest()


def self_check() -> dict:
    """numpy formula == pure-Python formula; returns test vectors for meta.json."""
    n = 4096
    u_np = draws("input", n)
    u_py = draws_reference("input", n)
    if not np.array_equal(u_np, np.array(u_py)):
        sys.exit("self-check: numpy and Python-int splitmix64 streams differ")
    cases = {"stem.conv.weight": (16, 3, 3, 3), "stem.bn.weight": (16,), "stem.bn.bias": (16,),
             "stem.bn.running_mean": (16,), "stem.bn.running_var": (16,),
             "stages.2.1.transformer.0.attn.qkv_proj.bias": (129,),
             "head.fc.weight": (1000, 256)}
    for name, shape in cases.items():
        rule = rule_from_name(name)
        a, b = formula_values(name, shape, rule), formula_values_reference(name, shape, rule)
        if a.tobytes() != b.tobytes():
            sys.exit(f"self-check: numpy and Python formula differ for {name}")
    ex = {}
    for name, shape in (("stem.conv.weight", (16, 3, 3, 3)), ("stem.bn.running_var", (16,)),
                        ("head.fc.bias", (1000,))):
        rule = rule_from_name(name)
        v = formula_values(name, shape, rule).reshape(-1)[:4]
        ex[name] = {"shape": list(shape), "rule": rule,
                    "first_values_f32_bits": [f"0x{int(x):08x}" for x in v.view(np.uint32)],
                    "first_values": [float(x) for x in v]}
    return {
        "fnv1a64": {s: f"0x{fnv1a64(s):016x}" for s in ("", "input", "stem.conv.weight")},
        "input_first_draws": {
            "u": u_py[:8],
            "z_top24": [int(round(u * 2 ** 24)) for u in u_py[:8]]},
        "first_values": ex,
    }


def self_check_record() -> dict:
    """Run self_check(); the "formula_code" entry of the Paddle scripts' meta files."""
    self_check()
    return {"module": "scripts/weight_formula.py",
            "self_check": "passed: numpy == pure-Python-int implementation on the start of the "
                          "input stream and on whole small tensors"}
