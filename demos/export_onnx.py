"""Train an MNIST classifier, export it to ONNX, and classify the test digits with onnxruntime alone.

    python demos/export_onnx.py                  # 784-100-10, 10 epochs; writes out/mnist_classifier.onnx
    python demos/export_onnx.py --epochs 1 --model digits.onnx

The classifier is a ``NeuralNetClassifier`` (ReLU hidden units, Softmax
output, cross-entropy, float32), trained on the 60,000 training digits; its
``export_onnx`` writes the net through ``NeuralNet.export_onnx``. Then
``classify_with_onnxruntime`` reads the model file with onnxruntime and
nothing else (no part of this library): it runs the 10,000 test images
through it and names each digit from the model's ``classes`` metadata. The
demo prints how many digits onnxruntime and the library classify alike, the
largest difference between their probabilities, and, last, onnxruntime's
test accuracy. Needs pip install ".[sklearn,onnx]".
"""
import json
import os
import time

import common
import training_loop
import numpy as np


def classify_with_onnxruntime(path, images):
    """The class of each row of ``images`` (n, 784) and the probabilities (n, 10), by onnxruntime alone."""
    import onnxruntime
    session = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider'])
    classes = np.array(json.loads(session.get_modelmeta().custom_metadata_map['classes']))
    probabilities = session.run(None, {session.get_inputs()[0].name: images})[0]
    return classes[probabilities.argmax(axis=1)], probabilities


def main(argv=None):
    parser = common.standard_parser(__doc__, epochs=10, save=False, checkpoints=False)
    parser.add_argument('--hidden', type=common.positive_int, nargs='+', default=[100], metavar='UNITS',
                        help='units of each hidden layer (default 100)')
    parser.add_argument('--learning-rate', type=common.positive_float, default=0.1,
                        help='learning rate (default 0.1)')
    parser.add_argument('--batch-size', type=common.positive_int, default=50, help='mini-batch size (default 50)')
    parser.add_argument('--l2', type=common.nonnegative_float, default=1e-4, help='L2 term (default 0.0001)')
    parser.add_argument('--model', metavar='PATH', default=None,
                        help='where to write the ONNX model (default DIR/mnist_classifier.onnx, DIR from --out)')
    args = parser.parse_args(argv)
    try:
        import onnxruntime  # noqa: F401

        import feedforward_onnx  # noqa: F401
        from feedforward_sklearn import NeuralNetClassifier
    except ImportError as error:
        parser.error(str(error))
    path = args.model or os.path.join(args.out, 'mnist_classifier.onnx')
    folder = os.path.dirname(os.path.abspath(path))
    if not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
        parser.error('argument --model: {} cannot be written: {} is not a folder this user may write in'.format(
            path, folder))

    training, test = common.load_data(args)
    classifier = NeuralNetClassifier(hidden_layer_sizes=tuple(args.hidden), learning_rate=args.learning_rate,
                                     batch_size=args.batch_size, epochs=args.epochs, l2=args.l2, dtype='float32',
                                     random_state=args.seed)
    print('training 784-{}-10 for {} epoch{}'.format('-'.join(map(str, args.hidden)), args.epochs,
                                                      's' if args.epochs > 1 else ''), flush=True)
    started = time.perf_counter()
    classifier.fit(training.images, training.labels)
    for record in classifier.history_:
        training_loop.say('epoch {} ({:.1f} s): {}'.format(record['epoch'], record['seconds'],
                                                          training_loop.describe(record)))
    print('trained in {:.1f} s; the library classifies {:.2f}% of the test digits right'.format(
        time.perf_counter() - started, 100 * classifier.score(test.images, test.labels)))

    classifier.export_onnx(path)
    print('ONNX model: {} ({:,} bytes, opset {})'.format(path, os.path.getsize(path), feedforward_onnx.OPSET))
    started = time.perf_counter()
    digits, probabilities = classify_with_onnxruntime(path, test.images)
    seconds = time.perf_counter() - started
    same = np.count_nonzero(digits == classifier.predict(test.images))
    difference = np.abs(probabilities - classifier.predict_proba(test.images)).max()
    print('onnxruntime classified the {} test digits in {:.3f} s: the same class as the library for {} of them; '
          'largest difference of a probability {:.1e}'.format(len(digits), seconds, same, difference))
    print('test accuracy: {:.2f}%'.format(100 * np.mean(digits == test.labels)), flush=True)


if __name__ == '__main__':
    common.run(main)
