#!/usr/bin/env python3
"""Writes the ONNX fixtures of models/src/test/resources/onnx (committed, so CI needs no Python).

Needs Debian's python3-sklearn and python3-onnx (1.12). skl2onnx is not packaged in Debian, so the
scikit-learn graphs are built with onnx.helper from each trained model's coef_ / intercept_,
laid out as skl2onnx lays them out:
  [Scaler] -> ai.onnx.ml.LinearClassifier (coefficients K x F row-major, intercepts K; a binary
  model as the two rows [-w, w], [-b, b]) -> [Normalizer L1 after an OvR LOGISTIC] -> [ZipMap].
The PyTorch-style graphs are those torch.onnx.export writes for nn.Linear: Gemm(transB=1) with
the weight as [out, in], or MatMul with its transpose [in, out] + Add, then Softmax / LogSoftmax;
their weights come from a scikit-learn LogisticRegression on digits (torch is not needed).

Run from the project root:  /usr/bin/python3 models/scripts/make_onnx_fixtures.py
Optional: --fashion DIR --out-fashion FILE writes a Fashion-MNIST (784 features) model for the
speed comparison only (not committed): a LinearClassifier graph of a LogisticRegression fitted on
the first 10000 training images.
"""
import argparse
import gzip
import os

import numpy as np
from onnx import TensorProto, TypeProto, checker, helper, numpy_helper
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

OUT = "models/src/test/resources/onnx"
ML = "ai.onnx.ml"


def save(model, name):
    checker.check_model(model)
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    print("wrote", path, os.path.getsize(path), "bytes")


def sklearn_graph(coef, intercept, classes, post, features, scaler=None, normalizer=False, zipmap=False,
                  binary_as_two_rows=True, name="sklearn"):
    coef = np.asarray(coef, dtype=np.float64)
    intercept = np.asarray(intercept, dtype=np.float64)
    if coef.shape[0] == 1 and binary_as_two_rows:
        coef = np.vstack([-coef, coef])
        intercept = np.concatenate([-intercept, intercept])
    nodes = []
    x = "input"
    if scaler is not None:
        nodes.append(helper.make_node("Scaler", [x], ["variable"], domain=ML, name="Scaler",
                                      offset=[float(v) for v in scaler.mean_],
                                      scale=[float(1.0 / v) for v in scaler.scale_]))
        x = "variable"
    attrs = dict(coefficients=[float(v) for v in coef.ravel()], intercepts=[float(v) for v in intercept],
                 multi_class=1 if post == "SOFTMAX" else 0, post_transform=post)
    strings = isinstance(classes[0], str)
    if strings:
        attrs["classlabels_strings"] = list(classes)
    else:
        attrs["classlabels_ints"] = [int(c) for c in classes]
    nodes.append(helper.make_node("LinearClassifier", [x], ["label", "probability_tensor"], domain=ML,
                                  name="LinearClassifier", **attrs))
    probs = "probability_tensor"
    if normalizer:
        nodes.append(helper.make_node("Normalizer", [probs], ["probabilities"], domain=ML, name="Normalizer",
                                      norm="L1"))
        probs = "probabilities"
    label_type = TensorProto.STRING if strings else TensorProto.INT64
    if zipmap:
        key = "classlabels_strings" if strings else "classlabels_int64s"
        nodes.append(helper.make_node("Identity", ["label"], ["output_label"], name="Identity"))
        nodes.append(helper.make_node("ZipMap", [probs], ["output_probability"], domain=ML, name="ZipMap",
                                      **{key: list(classes) if strings else [int(c) for c in classes]}))
        # seq(map(label, float)), as skl2onnx declares ZipMap's output (onnx 1.12 has no map helper).
        seq_type = TypeProto()
        seq_type.sequence_type.elem_type.map_type.key_type = label_type
        seq_type.sequence_type.elem_type.map_type.value_type.tensor_type.elem_type = TensorProto.FLOAT
        prob_out = helper.make_value_info("output_probability", seq_type)
        outputs = [helper.make_tensor_value_info("output_label", label_type, [None]), prob_out]
    else:
        nodes.append(helper.make_node("Identity", ["label"], ["output_label"], name="Identity"))
        nodes.append(helper.make_node("Identity", [probs], ["output_probability"], name="Identity1"))
        outputs = [helper.make_tensor_value_info("output_label", label_type, [None]),
                   helper.make_tensor_value_info("output_probability", TensorProto.FLOAT, [None, len(classes)])]
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                                                          [None, features])], outputs)
    return helper.make_model(graph, producer_name="make_onnx_fixtures.py (skl2onnx layout)",
                             opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(ML, 1)])


def torch_graph(weight, bias, opset, head, matmul=False, dtype=np.float32, raw=True, softmax_axis=None):
    """head: None (logits), 'Softmax' or 'LogSoftmax'; weight is [out, in] as nn.Linear keeps it."""
    elem = TensorProto.FLOAT if dtype == np.float32 else TensorProto.DOUBLE
    w = np.asarray(weight, dtype=dtype)
    b = np.asarray(bias, dtype=dtype)
    out, inp = w.shape

    def tensor(name, a):
        if raw:
            return numpy_helper.from_array(a, name)  # raw_data
        return helper.make_tensor(name, elem, a.shape, a.ravel().tolist())  # float_data / double_data

    if matmul:
        inits = [tensor("fc.weight_t", np.ascontiguousarray(w.T)), tensor("fc.bias", b)]
        nodes = [helper.make_node("MatMul", ["input", "fc.weight_t"], ["mm"], name="MatMul_0"),
                 helper.make_node("Add", ["mm", "fc.bias"], ["logits"], name="Add_1")]
    else:
        inits = [tensor("fc.weight", w), tensor("fc.bias", b)]
        nodes = [helper.make_node("Gemm", ["input", "fc.weight", "fc.bias"], ["logits"], name="Gemm_0",
                                  alpha=1.0, beta=1.0, transB=1)]
    result = "logits"
    if head is not None:
        kwargs = {} if softmax_axis is None else {"axis": softmax_axis}
        nodes.append(helper.make_node(head, ["logits"], ["output"], name=head + "_2", **kwargs))
        result = "output"
    graph = helper.make_graph(nodes, "torch_jit", [helper.make_tensor_value_info("input", elem, ["batch", inp])],
                              [helper.make_tensor_value_info(result, elem, ["batch", out])], initializer=inits)
    return helper.make_model(graph, producer_name="pytorch (layout)", opset_imports=[helper.make_opsetid("", opset)])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fashion")
    ap.add_argument("--out-fashion")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)

    # iris: standardized multinomial LR, string labels, ZipMap (skl2onnx's default output).
    iris = load_iris()
    scaler = StandardScaler().fit(iris.data)
    lr = LogisticRegression(max_iter=1000).fit(scaler.transform(iris.data), iris.target)
    save(sklearn_graph(lr.coef_, lr.intercept_, [str(n) for n in iris.target_names], "SOFTMAX", 4,
                       scaler=scaler, zipmap=True, name="iris_pipeline"), "iris_scaler_logreg_zipmap.onnx")

    # breast cancer: binary LR (two rows, LOGISTIC), int64 labels, Normalizer, no ZipMap.
    bc = load_breast_cancer()
    bs = StandardScaler().fit(bc.data)
    lr = LogisticRegression(max_iter=1000).fit(bs.transform(bc.data), bc.target)
    save(sklearn_graph(lr.coef_, lr.intercept_, [0, 1], "LOGISTIC", 30, scaler=bs, normalizer=True,
                       name="breast_cancer"), "breast_cancer_logreg_binary.onnx")

    # wine: one-vs-rest LR (LOGISTIC + Normalizer L1) and LinearSVC (NONE: decision scores).
    wine = load_wine()
    ws = StandardScaler().fit(wine.data)
    xw = ws.transform(wine.data)
    ovr = LogisticRegression(max_iter=1000, multi_class="ovr").fit(xw, wine.target)
    save(sklearn_graph(ovr.coef_, ovr.intercept_, [0, 1, 2], "LOGISTIC", 13, scaler=ws, normalizer=True,
                       name="wine_ovr"), "wine_logreg_ovr.onnx")
    svc = LinearSVC(C=0.5, max_iter=10000).fit(xw, wine.target)
    save(sklearn_graph(svc.coef_, svc.intercept_, ["class_0", "class_1", "class_2"], "NONE", 13, scaler=ws,
                       name="wine_svc"), "wine_linearsvc.onnx")

    # digits, PyTorch-style: the same weights through every head and opset the exporter writes.
    digits = load_digits()
    dl = LogisticRegression(max_iter=2000, C=1.0).fit(digits.data / 16.0, digits.target)
    w = dl.coef_ / 16.0  # on raw 0..16 pixels
    b = dl.intercept_
    save(torch_graph(w, b, 13, "Softmax"), "digits_gemm_softmax_opset13.onnx")
    save(torch_graph(w, b, 11, "Softmax", softmax_axis=1, raw=False), "digits_gemm_softmax_opset11.onnx")
    save(torch_graph(w, b, 11, "LogSoftmax", matmul=True), "digits_matmul_add_logsoftmax_opset11.onnx")
    save(torch_graph(w, b, 13, None, dtype=np.float64, raw=False), "digits_gemm_logits_float64.onnx")
    save(sklearn_graph(w, b, list(range(10)), "SOFTMAX", 64, name="digits_sklearn"), "digits_logreg.onnx")

    # Not supported (a hidden layer): the importer must name the op it cannot take.
    rng = np.random.default_rng(0)
    h = rng.normal(size=(16, 64)).astype(np.float32)
    inits = [numpy_helper.from_array(h, "fc1.weight"), numpy_helper.from_array(np.zeros(16, np.float32), "fc1.bias"),
             numpy_helper.from_array(w[:, :16].astype(np.float32), "fc2.weight"),
             numpy_helper.from_array(b.astype(np.float32), "fc2.bias")]
    nodes = [helper.make_node("Gemm", ["input", "fc1.weight", "fc1.bias"], ["h"], transB=1),
             helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("Gemm", ["r", "fc2.weight", "fc2.bias"], ["logits"], transB=1),
             helper.make_node("Softmax", ["logits"], ["output"])]
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 64])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 10])],
                              initializer=inits)
    save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), "digits_mlp_unsupported.onnx")

    if args.fashion:
        def idx(name):
            with gzip.open(os.path.join(args.fashion, name)) as f:
                data = f.read()
            dims = data[3]
            shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
            return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)
        x = idx("train-images-idx3-ubyte.gz")[:10000].reshape(10000, -1) / 255.0
        y = idx("train-labels-idx1-ubyte.gz")[:10000]
        fl = LogisticRegression(max_iter=300, C=0.1).fit(x, y)
        model = sklearn_graph(fl.coef_ / 255.0, fl.intercept_, list(range(10)), "SOFTMAX", 784, name="fashion")
        checker.check_model(model)
        with open(args.out_fashion, "wb") as f:
            f.write(model.SerializeToString())
        print("wrote", args.out_fashion)


if __name__ == "__main__":
    main()
