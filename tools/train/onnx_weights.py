"""Read and write ONNX models without the onnx package (Debian ships none).

ONNX files are protocol buffers; only the fields needed to read a plain CNN's graph (nodes in order,
their integer attributes, float initialisers) and to write one back are handled here (onnx.proto:
ModelProto.ir_version = 1 / producer_name = 2 / graph = 7 / opset_import = 8; GraphProto.node = 1 /
name = 2 / initializer = 5 / input = 11 / output = 12; NodeProto.input = 1 / output = 2 / name = 3 /
op_type = 4 / attribute = 5 / domain = 7; AttributeProto.name = 1 / f = 2 / i = 3 / ints = 8 /
type = 20; TensorProto.dims = 1 / data_type = 2 / float_data = 4 / name = 8 / raw_data = 9).
"""
import struct

import numpy as np

FLOAT, UINT8, INT8, INT32, INT64 = 1, 2, 3, 6, 7
_DTYPES = {np.dtype("float32"): FLOAT, np.dtype("uint8"): UINT8, np.dtype("int8"): INT8, np.dtype("int32"): INT32,
           np.dtype("int64"): INT64}


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


def _ints(wire, value):
    """A repeated integer field's values: one varint, or a packed run of them."""
    if wire == 0:
        return [value]
    out, j = [], 0
    while j < len(value):
        d, j = _varint(value, j)
        out.append(d)
    return out


def _tensor(b):
    dims, name, dtype, raw, floats = [], "", 0, None, []
    for number, wire, value in _fields(b):
        if number == 1:
            dims += _ints(wire, value)
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


def _attribute(b):
    name, value, ints = "", None, []
    for number, wire, v in _fields(b):
        if number == 1:
            name = v.decode()
        elif number == 2:
            value = struct.unpack("<f", v)[0]
        elif number == 3:
            value = v if v < 1 << 63 else v - (1 << 64)
        elif number == 8:
            ints += _ints(wire, v)
    return name, ints if value is None else value


def read(path):
    """(initialisers by name, [(op_type, [inputs], {attribute: value})] in graph order)."""
    with open(path, "rb") as f:
        model = f.read()
    graph = next(value for number, _, value in _fields(model) if number == 7)
    weights, nodes = {}, []
    for number, _, value in _fields(graph):
        if number == 5:
            name, array = _tensor(value)
            weights[name] = array
        elif number == 1:
            inputs, op, attrs = [], "", {}
            for n, _, v in _fields(value):
                if n == 1:
                    inputs.append(v.decode())
                elif n == 4:
                    op = v.decode()
                elif n == 5:
                    k, a = _attribute(v)
                    attrs[k] = a
            nodes.append((op, inputs, attrs))
    return weights, nodes


def conv_bn_pairs(path):
    """[(conv weight, (bn scale, bn bias, bn mean, bn var))] in the order the graph runs them."""
    weights, nodes = read(path)
    pairs, pending = [], []
    for op, inputs, _ in nodes:
        if op == "Conv":
            pending.append(weights[inputs[1]])
        elif op == "BatchNormalization":
            pairs.append((pending.pop(0), tuple(weights[n] for n in inputs[1:5])))
    if pending:
        raise ValueError("a convolution without its batch normalisation")
    return pairs


def _key(number, wire):
    return _uvarint(number << 3 | wire)


def _uvarint(value):
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _bytes(number, payload):
    return _key(number, 2) + _uvarint(len(payload)) + payload


def _int(number, value):
    return _key(number, 0) + _uvarint(value)


def tensor(name, array):
    """An initialiser: float32, uint8, int8 or int32, stored as raw little-endian bytes."""
    a = np.ascontiguousarray(array)
    out = b"".join(_int(1, d) for d in a.shape) + _int(2, _DTYPES[a.dtype]) + _bytes(8, name.encode())
    return out + _bytes(9, a.astype(a.dtype.newbyteorder("<")).tobytes())


def node(op, inputs, outputs, **attrs):
    """A node; integer, float and integer-list attributes."""
    out = b"".join(_bytes(1, i.encode()) for i in inputs) + b"".join(_bytes(2, o.encode()) for o in outputs)
    out += _bytes(3, outputs[0].encode()) + _bytes(4, op.encode())
    for k, v in attrs.items():
        if isinstance(v, float):
            a = _bytes(1, k.encode()) + _key(2, 5) + struct.pack("<f", v) + _int(20, 1)
        elif isinstance(v, int):
            a = _bytes(1, k.encode()) + _int(3, v) + _int(20, 2)
        else:
            a = _bytes(1, k.encode()) + b"".join(_int(8, x) for x in v) + _int(20, 7)
        out += _bytes(5, a)
    return out


def value_info(name, elem_type, dims):
    """A graph input or output; a string dimension is symbolic (the batch)."""
    shape = b"".join(_bytes(1, _bytes(2, d.encode()) if isinstance(d, str) else _int(1, d)) for d in dims)
    return _bytes(1, name.encode()) + _bytes(2, _bytes(1, _int(1, elem_type) + _bytes(2, shape)))


def write(path, nodes, initialisers, inputs, outputs, opsets, producer):
    """A model file from encoded nodes, initialisers and value infos; opsets maps domain to version."""
    graph = b"".join(_bytes(1, n) for n in nodes) + _bytes(2, b"main")
    graph += b"".join(_bytes(5, t) for t in initialisers)
    graph += b"".join(_bytes(11, i) for i in inputs) + b"".join(_bytes(12, o) for o in outputs)
    model = _int(1, 8) + _bytes(2, producer.encode()) + _bytes(7, graph)
    model += b"".join(_bytes(8, (_bytes(1, d.encode()) if d else b"") + _int(2, v)) for d, v in opsets.items())
    with open(path, "wb") as f:
        f.write(model)
