"""ONNX export: a net as a standard ONNX model, to run where this library does not (C#, JavaScript, mobile, ...).

For a net of L layers the graph is, with rows as examples as everywhere in
the library::

    input                      (N, sizes[0])     N: a dynamic dimension, any number of rows
    z_l = Gemm(a_(l-1), W_l, b_l)                 z = a W + b   (alpha = beta = 1, no transposes)
    a_l = <activation of layer l>(z_l)            (N, sizes[l])
    output = a_L               (N, sizes[-1])

``W_l`` (sizes[l-1], sizes[l]) and ``b_l`` (sizes[l],) are stored as
initializers of the net's dtype: the model computes in float32 (ONNX
``FLOAT``) or float64 (``DOUBLE``) as the net does. The operators are those
of the default ``ai.onnx`` domain at opset 13 (``OPSET``), which nearly every
ONNX runtime supports, and the IR version is the lowest that opset allows.
Each activation gives its own ONNX form (``Activation.onnx_nodes``, see
``docs/extending.md``): one operator for most, a few for those ONNX lacks.
For the library's activations:

    ===============  ===================================================
    library          ONNX operators
    ===============  ===================================================
    Sigmoid          Sigmoid
    Rectifier        Relu
    Softmax          Softmax, axis=1 (over each row)
    Tanh             Tanh
    Identity         Identity
    LeakyRectifier   LeakyRelu(alpha=slope) in float32; in float64 (its
                     alpha is a float32 attribute) Constant, Mul, Max
    Softplus         Softplus in float32; in float64 (onnxruntime has
                     no float64 Softplus) Relu, Abs, Sigmoid, Log, Sub
    Swish            Sigmoid, then Mul (z sigma(z))
    ===============  ===================================================

An activation of one's own exports once its class has ``onnx_nodes``.

The onnx package builds and checks the model; it is imported with this
module, which the library itself never imports except in
``NeuralNet.export_onnx``. Install it with pip install ".[onnx]" in a clone
of the library, or pip install onnx onnxruntime.
"""
import numpy as np

from feedforward_checks import install_hint
from feedforward_model_file import write_atomically

try:
    import onnx
    from onnx import helper, numpy_helper
except ImportError as error:
    raise ImportError('ONNX export needs the onnx package, which could not be imported ({}): install it with '
                      '{}'.format(error, install_hint('onnx', 'onnx onnxruntime'))) from error

__all__ = ['export_onnx', 'onnx_model', 'OPSET', 'INPUT_NAME', 'OUTPUT_NAME']

#: The version of the default ONNX operator set the models use.
OPSET = 13

#: The names of the graph's input (N, sizes[0]) and output (N, sizes[-1]).
INPUT_NAME = 'input'
OUTPUT_NAME = 'output'

_ELEMENT_TYPES = {np.dtype(np.float32): onnx.TensorProto.FLOAT, np.dtype(np.float64): onnx.TensorProto.DOUBLE}


def onnx_model(net, metadata=None):
    """The ONNX ``ModelProto`` of ``net`` (see the module docstring), checked by ``onnx.checker`` in full.

    ``metadata``: a dictionary of strings for the model's ``metadata_props``
    (the scikit-learn classifier stores its ``classes`` there). Raises
    ``ValueError`` if a parameter is NaN or infinite.
    """
    parameters = net.parameters()
    if not np.isfinite(parameters).all():
        raise ValueError('cannot export a net with NaN or infinite parameters ({} of them)'.format(
            np.count_nonzero(~np.isfinite(parameters))))
    sizes, dtype = net.layer_sizes(), np.dtype(net.dtype)
    element_type = _ELEMENT_TYPES[dtype]
    nodes, initializers = [], []
    a_previous = INPUT_NAME
    last = len(sizes) - 2
    for l, (weights, biases, activation) in enumerate(zip(net.weights(), net.biases(), net.activations()), 1):
        w, b, z = 'W{}'.format(l), 'b{}'.format(l), 'z{}'.format(l)
        a = OUTPUT_NAME if l - 1 == last else 'a{}'.format(l)
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(weights, dtype), w))
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(biases, dtype), b))
        # z_l = a_(l-1) W_l + b_l
        nodes.append(helper.make_node('Gemm', [a_previous, w, b], [z], name='layer{}_gemm'.format(l)))
        # a_l = f_l(z_l), in the operators the activation gives (arrays among its attributes become tensors).
        for k, (operator, inputs, outputs, attributes) in enumerate(activation.onnx_nodes(z, a, dtype)):
            attributes = {key: numpy_helper.from_array(value) if isinstance(value, np.ndarray) else value
                          for key, value in attributes.items()}
            nodes.append(helper.make_node(operator, inputs, outputs, name='layer{}_{}{}'.format(
                l, activation.name.lower(), '_{}'.format(k) if k else ''), **attributes))
        a_previous = a
    graph = helper.make_graph(
        nodes, 'feedforward_net',
        inputs=[helper.make_tensor_value_info(INPUT_NAME, element_type, ['N', sizes[0]])],
        outputs=[helper.make_tensor_value_info(OUTPUT_NAME, element_type, ['N', sizes[-1]])],
        initializer=initializers)
    opsets = [helper.make_opsetid('', OPSET)]
    model = helper.make_model(graph, opset_imports=opsets, ir_version=helper.find_min_ir_version_for(opsets),
                              producer_name='feedforward-nets',
                              doc_string='feed-forward net {} ({})'.format(
                                  '-'.join(map(str, sizes)), ', '.join(f.name for f in net.activations())))
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = str(key), str(value)
    onnx.checker.check_model(model, full_check=True)
    return model


def export_onnx(net, path, metadata=None):
    """Write ``onnx_model(net, metadata)`` to ``path``, atomically: the file is either the old one or the new one."""
    data = onnx_model(net, metadata).SerializeToString()
    write_atomically(path, lambda stream: stream.write(data), binary=True)
