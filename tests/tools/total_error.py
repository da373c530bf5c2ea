#!/usr/bin/python3
"""Total error of finished runs, numpy only: for each loftq_report.json, the error of all its
quantized layers together, sqrt(sum ||W - Q - s B A||^2 / sum ||W||^2) with each layer's
rel_error from the report and ||W|| from ORIGINAL, plus the mean per-layer rel_error and the
average code bits per weight (docs/budget.md).

usage: total_error.py ORIGINAL REPORT.json [REPORT.json ...]
Prints one JSON line per report.
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracle"))
import st  # noqa: E402


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    weights = st.read(argv[0])
    for path in argv[1:]:
        with open(path) as f:
            report = json.load(f)
        squared_error = squared_norm = bits = elements = 0.0
        errors = []
        for layer in report["layers"]:
            if layer.get("status") != "quantized":
                continue
            norm2 = float(np.sum(st.to_array(weights[layer["tensor"]], np.float64) ** 2))
            squared_error += layer["rel_error"] ** 2 * norm2
            squared_norm += norm2
            n = layer["shape"][0] * layer["shape"][1]
            bits += layer["bits"] * n
            elements += n
            errors.append(layer["rel_error"])
        print(json.dumps({"report": path, "layers": len(errors),
                          "average_bits": bits / elements if elements else 0.0,
                          "total_rel_error": (squared_error / squared_norm) ** 0.5 if squared_norm else 0.0,
                          "mean_rel_error": float(np.mean(errors)) if errors else 0.0}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
