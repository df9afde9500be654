#!/usr/bin/env bash
# Builds a Python virtual environment with reference implementations, for scripts that make parity
# fixtures. Versions are pinned so fixtures can be regenerated.
#   scripts/reference_venv.sh DIR          PyTorch 2.15 (used on CPU), timm, HF transformers, onnx,
#                                    onnxruntime, scikit-image (about 6 GB, a few minutes)
#   scripts/reference_venv.sh --paddle DIR   PaddlePaddle 3.3.1 (CPU) and PaddleClas 2.6.0, in its own venv
# Then run DIR/bin/python.
set -euo pipefail
paddle=0
if [ "${1:-}" = "--paddle" ]; then paddle=1; shift; fi
dir=${1:?usage: scripts/reference_venv.sh [--paddle] DIR}
python3 -m venv "$dir"
py="$dir/bin/python"
pip="$py -m pip -q"
$pip install --upgrade pip
if [ $paddle = 1 ]; then
  $pip install paddlepaddle==3.3.1
  $pip install --no-deps paddleclas==2.6.0
  $pip install requests prettytable ujson tqdm pyyaml scipy scikit-learn easydict opencv-python-headless six faiss-cpu
  $py -c "from paddleclas.ppcls.arch.backbone.model_zoo.mobilevit import MobileViT_XXS as M; import paddle; m = M(); print('paddleclas ok', sum(p.numel().item() for p in m.parameters() if not p.stop_gradient))"
  exit 0
fi
$pip install --no-deps torch==2.15.0 torchvision==0.29.2 timm==1.0.31
$pip install filelock 'typing-extensions>=4.13' 'setuptools>=77.0.3' 'sympy>=1.13.3' 'networkx>=2.5.1' \
  jinja2 'fsspec>=0.8.5' numpy pyyaml huggingface_hub safetensors pillow
# The registry's torch wheel loads its CUDA runtime even on CPU: install the libraries it pins,
# except triton and cuda-bindings, which CPU use does not need.
$py - <<'PY' > "$dir/torch-cuda-reqs.txt"
from importlib.metadata import requires
for r in requires("torch") or []:
    spec, _, marker = r.partition(";")
    name = spec.strip()
    if "extra ==" in marker:
        continue
    if name.startswith(("nvidia", "cuda-toolkit")):
        print(name)
PY
$pip install -r "$dir/torch-cuda-reqs.txt"
$pip install transformers onnx onnxruntime scikit-image
$py -c "import torch, timm; m = timm.create_model('mobilevit_xxs'); print('torch', torch.__version__, 'timm', timm.__version__, 'params', sum(p.numel() for p in m.parameters()))"
