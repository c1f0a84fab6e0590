""""Copy as Python": the script, in the library's API, that reproduces a session's run bit for bit.

A run starts when the session builds its net (a new architecture, reset, new
weights, a loaded model); from there the session's log holds, in order, the
epochs trained, the epochs cut short after some steps (the page ends an epoch
there to make a change), and every change made in between. The script
replays them: the same data, the same net and seeds, the same calls.
"""
import importlib

from . import training

__all__ = ['script']

class _Writer:
    def __init__(self):
        self.imports = set()
        self.lines = []
        self.constants = []
        self.registered = set()

    def activation(self, name):
        return self._by_name('activation', name, 'activation_functions', 'ACTIVATIONS')

    def cost(self, name):
        return self._by_name('cost', name, 'cost_functions', 'COSTS')

    def _by_name(self, kind, name, module, registry):
        """The expression for the class registered as ``name`` in ``module.registry``: its own name, imported from
        ``module``, if it is one of the library's, else a look-up in the registry, which the script's reader must
        fill first (the script says so)."""
        if getattr(importlib.import_module(module), registry)[name].__module__ == module:
            self.imports.add('from {} import {}'.format(module, name))
            return name
        self.imports.add('from {} import {}'.format(module, registry))
        self.registered.add('{} {!r}'.format(kind, name))
        return '{}[{!r}]'.format(registry, name)


def _data_lines(writer, setup, added_points, csv_text, task_of):
    if setup['kind'] == 'csv':
        writer.imports.add('from feedforward_playground.datasets import parse_csv')
        writer.constants.append('CSV = {!r}'.format(csv_text))
        call = 'data = parse_csv(CSV, one_hot={!r}, test_share={!r}, seed={!r}, features={!r})'.format(
            setup['output_activation'] == 'Softmax', setup['test_share'], setup['data_seed'],
            tuple(setup['features']))
    else:
        from .session import _one_hot, effective_features
        writer.imports.add('from feedforward_playground.datasets import make_data')
        task = task_of(setup['kind'])
        extra = [p[:3] for p in added_points if p[3] == task]
        call = ('data = make_data({!r}, points={!r}, noise={!r}, test_share={!r}, seed={!r}, features={!r}, '
                'classes={!r}, one_hot={!r}{})'.format(
                    setup['kind'], setup['points'], setup['noise'], setup['test_share'], setup['data_seed'],
                    effective_features(setup, task), setup['classes'], _one_hot(setup, task),
                    ', extra_points={!r}'.format(extra) if extra else ''))
    writer.imports.add('from data_source import PreloadSource')
    return [call, 'training = PreloadSource(data.training)',
            'test = PreloadSource(data.test) if len(data.test[0]) else None']


def _trainer_lines(writer, setup):
    imports, lines = training.trainer_code(
        setup['optimizer'], setup['optimizer_settings'], setup['learning_rate'], setup['batch_size'],
        setup['shuffle_seed'], setup['dropout'], (setup['schedule'], setup['schedule_settings']),
        setup['dropout_seed'])
    writer.imports |= imports
    if not training.is_library_rule(setup['optimizer']):
        writer.registered.add('update rule {!r}'.format(setup['optimizer']))
    return lines


def script(session):
    """The Python source that replays ``session``'s run (see the module docstring); run from the repository's
    folder (or with the library and ``feedforward_playground`` installed), it ends with the same parameters."""
    from .datasets import task_of
    writer = _Writer()
    setup = session.run_setup
    added_points, csv_text = session.run_data
    body = _data_lines(writer, setup, added_points, csv_text, task_of)
    net = session.net
    sizes = net.layer_sizes() if session.run_model is None else None
    if session.run_model is not None:
        writer.imports |= {'import json', 'from neural_net import NeuralNet'}
        writer.constants.append('MODEL = {!r}'.format(session.run_model))
        body.append('net = NeuralNet.from_dict(json.loads(MODEL))   # the model file loaded on the page')
    else:
        writer.imports.add('from neural_net import NetFactory')
        body.append('net = NetFactory.create_neural_net({}, hidden_layer_activation={}, output_layer_activation={})'
                    .format(sizes, writer.activation(setup['hidden_activation']),
                            writer.activation(setup['output_activation'])))
        body.append('net.randomize_parameters(seed={!r})'.format(setup['weight_seed']))
    body.append('cost = {}(net, l2_reg_term={!r})'.format(writer.cost(setup['cost']), setup['l2']))
    body.extend(_trainer_lines(writer, setup))
    body.append('')
    steps_helper = False
    log = list(session.log)
    if session.partial_steps:
        log.append(('steps', session.partial_steps))
    for entry in log:
        kind = entry[0]
        if kind == 'epochs':
            body.append('trainer.train(training, {}, evaluation_data=test)'.format(entry[1]))
        elif kind == 'steps':
            steps_helper = True
            body.append('take_steps({})'.format(entry[1]))
        elif kind == 'diverged_epoch':
            writer.imports.add('from gradient_descent import TrainingDivergedError')
            body.extend(['try:', '    trainer.train(training, 1, evaluation_data=test)',
                         'except TrainingDivergedError as error:   # as on the page: the cost came out infinite',
                         '    print(error)'])
        elif kind == 'code':
            for line in entry[1]:
                if isinstance(line, tuple):
                    line, imports = line
                    writer.imports |= imports
                body.append(line)
        elif kind == 'data':
            new_setup, points, text = entry[1]
            body.extend(_data_lines(writer, new_setup, points, text, task_of))
        elif kind == 'cost':
            new_setup = entry[2]
            body.append('cost = {}(net, l2_reg_term={!r})'.format(writer.cost(new_setup['cost']), new_setup['l2']))
        elif kind == 'trainer':
            body.extend(_trainer_lines(writer, entry[2]))
    helper = []
    if steps_helper:
        writer.imports.add('from gradient_descent import StopTraining')
        helper = ['', '',
                  'def take_steps(n):',
                  '    """n steps of a fresh epoch, then stop: the page ended the epoch there to make a change."""',
                  '',
                  '    def stop_after(batch_index, n_batches):',
                  '        if batch_index + 1 == n:',
                  '            raise StopTraining',
                  '',
                  '    trainer.train(training, 1, evaluation_data=test, on_batch=stop_after)',
                  '', '']
    head = ['"""The run shown in the playground, replayed with the library: the same data, net, seeds and calls.',
            '',
            'Run it from the repository\'s folder (or with the library and its playground installed).']
    if writer.registered:
        head.append('Register the {} first, as your script did before serve().'.format(
            ' and the '.join(sorted(writer.registered))))
    head.append('"""')
    imports = sorted(i for i in writer.imports if i.startswith('import ')) + sorted(
        i for i in writer.imports if i.startswith('from '))
    text = head + imports + [''] + writer.constants + ([''] if writer.constants else [])
    text += body[:body.index('') + 1] if not helper else body[:body.index('')] + helper
    text += body[body.index('') + 1:]
    text += ['print(trainer.epochs_done, "epochs")', 'print(net.parameters())']
    return '\n'.join(text) + '\n'

