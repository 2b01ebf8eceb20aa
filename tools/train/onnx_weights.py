"""Read the weights of an ONNX model without the onnx package (Debian ships none).

ONNX files are protocol buffers; only the few fields needed to pull out the graph's initialisers and
the order in which its nodes use them are decoded here (onnx.proto: ModelProto.graph = 7,
GraphProto.node = 1 / initializer = 5, NodeProto.input = 1 / op_type = 4, TensorProto.dims = 1 /
data_type = 2 / float_data = 4 / name = 8 / raw_data = 9).
"""
import numpy as np

FLOAT = 1


def _varint(b, i):
    value = shift = 0
    while True:
        c = b[i]
        i += 1
        value |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return value, i


def _fields(b):
    i, n = 0, len(b)
    while i < n:
        key, i = _varint(b, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(b, i)
        elif wire == 1:
            value, i = b[i:i + 8], i + 8
        elif wire == 5:
            value, i = b[i:i + 4], i + 4
        elif wire == 2:
            length, i = _varint(b, i)
            value, i = b[i:i + length], i + length
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        yield number, wire, value


def _tensor(b):
    dims, name, dtype, raw, floats = [], "", 0, None, []
    for number, wire, value in _fields(b):
        if number == 1:
            if wire == 0:
                dims.append(value)
            else:
                j = 0
                while j < len(value):
                    d, j = _varint(value, j)
                    dims.append(d)
        elif number == 2:
            dtype = value
        elif number == 4:
            floats.append(np.frombuffer(value, dtype="<f4") if wire == 2 else np.frombuffer(value, dtype="<f4"))
        elif number == 8:
            name = value.decode()
        elif number == 9:
            raw = value
    if dtype != FLOAT:
        raise ValueError(f"initialiser {name} is not float32 (type {dtype})")
    data = np.frombuffer(raw, dtype="<f4") if raw is not None else np.concatenate(floats)
    return name, data.reshape(dims).copy()


def read(path):
    """(initialisers by name, [(op_type, [inputs])] in graph order)."""
    with open(path, "rb") as f:
        model = f.read()
    graph = next(value for number, _, value in _fields(model) if number == 7)
    weights, nodes = {}, []
    for number, _, value in _fields(graph):
        if number == 5:
            name, array = _tensor(value)
            weights[name] = array
        elif number == 1:
            inputs, op = [], ""
            for n, _, v in _fields(value):
                if n == 1:
                    inputs.append(v.decode())
                elif n == 4:
                    op = v.decode()
            nodes.append((op, inputs))
    return weights, nodes


def conv_bn_pairs(path):
    """[(conv weight, (bn scale, bn bias, bn mean, bn var))] in the order the graph runs them."""
    weights, nodes = read(path)
    pairs, pending = [], []
    for op, inputs in nodes:
        if op == "Conv":
            pending.append(weights[inputs[1]])
        elif op == "BatchNormalization":
            pairs.append((pending.pop(0), tuple(weights[n] for n in inputs[1:5])))
    if pending:
        raise ValueError("a convolution without its batch normalisation")
    return pairs
