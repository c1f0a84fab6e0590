"""demos/backprop_step.py prints the numbers of one step that a derivation by hand gives.

The expected values are worked out here with plain arithmetic on scalars
(the ``math`` module, one named variable per quantity), as a textbook
derivation does, not by the library.
"""
import math
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


def by_hand():
    """Every quantity of the step, by name as the demo prints it."""
    x1, x2, y1, y2, rate = 0.05, 0.10, 0.01, 0.99, 0.5
    w = {'x1->h1': 0.15, 'x2->h1': 0.20, 'x1->h2': 0.25, 'x2->h2': 0.30,
         'h1->o1': 0.40, 'h2->o1': 0.45, 'h1->o2': 0.50, 'h2->o2': 0.55}
    b = {'h1': 0.35, 'h2': 0.35, 'o1': 0.60, 'o2': 0.60}
    values = {}
    z_h1 = w['x1->h1'] * x1 + w['x2->h1'] * x2 + b['h1']
    z_h2 = w['x1->h2'] * x1 + w['x2->h2'] * x2 + b['h2']
    a_h1, a_h2 = sigmoid(z_h1), sigmoid(z_h2)
    z_o1 = w['h1->o1'] * a_h1 + w['h2->o1'] * a_h2 + b['o1']
    z_o2 = w['h1->o2'] * a_h1 + w['h2->o2'] * a_h2 + b['o2']
    a_o1, a_o2 = sigmoid(z_o1), sigmoid(z_o2)
    values.update({'z h1': z_h1, 'z h2': z_h2, 'a h1': a_h1, 'a h2': a_h2,
                   'z o1': z_o1, 'z o2': z_o2, 'a o1': a_o1, 'a o2': a_o2})
    values['total'] = 0.5 * (a_o1 - y1) ** 2 + 0.5 * (a_o2 - y2) ** 2
    # dC/da_o = a - y; delta_o = (a - y) a (1 - a)
    delta_o1 = (a_o1 - y1) * a_o1 * (1 - a_o1)
    delta_o2 = (a_o2 - y2) * a_o2 * (1 - a_o2)
    # dC/da_h = sum over outputs of w(h->o) delta_o, computed with the weights before the step
    delta_h1 = (w['h1->o1'] * delta_o1 + w['h1->o2'] * delta_o2) * a_h1 * (1 - a_h1)
    delta_h2 = (w['h2->o1'] * delta_o1 + w['h2->o2'] * delta_o2) * a_h2 * (1 - a_h2)
    values.update({'delta o1': delta_o1, 'delta o2': delta_o2, 'delta h1': delta_h1, 'delta h2': delta_h2})
    a = {'x1': x1, 'x2': x2, 'h1': a_h1, 'h2': a_h2}
    delta = {'h1': delta_h1, 'h2': delta_h2, 'o1': delta_o1, 'o2': delta_o2}
    for name, old in w.items():
        source, target = name.split('->')
        derivative = a[source] * delta[target]
        values['w({})'.format(name)] = (old, derivative, old - rate * derivative)
    for unit, old in b.items():
        values['b({})'.format(unit)] = (old, delta[unit], old - rate * delta[unit])
    return values


def printed():
    """The numbers the demo prints, by the same names."""
    done = subprocess.run([sys.executable, os.path.join(ROOT, 'demos', 'backprop_step.py')], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    values = {}
    number = r'(-?\d+\.\d{8})'
    for line in done.stdout.splitlines():
        unit_row = re.match(r'^\s+[12]\s+([ho][12])\s+{0}\s+{0}$'.format(number), line)
        delta_row = re.match(r'^\s+[12]\s+([ho][12])\s+{0}\s+{0}\s+{0}$'.format(number), line)
        parameter_row = re.match(r'^\s+[12]\s+([wb]\(\S+\))\s+{0}\s+{0}\s+{0}$'.format(number), line)
        total = re.match(r'^Total error: .* = {}\s'.format(number), line)
        if delta_row:
            values['delta ' + delta_row.group(1)] = float(delta_row.group(4))
        elif unit_row:
            values['z ' + unit_row.group(1)] = float(unit_row.group(2))
            values['a ' + unit_row.group(1)] = float(unit_row.group(3))
        elif parameter_row:
            values[parameter_row.group(1)] = tuple(float(parameter_row.group(k)) for k in (2, 3, 4))
        elif total:
            values['total'] = float(total.group(1))
    return values, done.stdout


def test_every_printed_number_is_the_one_worked_out_by_hand():
    expected = by_hand()
    values, output = printed()
    assert sorted(values) == sorted(expected), output
    for name, value in expected.items():
        assert values[name] == pytest.approx(value, abs=6e-9), name
    # The figures of the well-known derivation these inputs come from, to its printed digits.
    assert values['total'] == pytest.approx(0.298371109, abs=1e-9)
    assert [values[name][2] for name in ('w(h1->o1)', 'w(h2->o1)', 'w(h1->o2)', 'w(h2->o2)')] == pytest.approx(
        [0.35891648, 0.408666186, 0.511301270, 0.561370121], abs=1e-8)
    assert [values[name][2] for name in ('w(x1->h1)', 'w(x2->h1)', 'w(x1->h2)', 'w(x2->h2)')] == pytest.approx(
        [0.149780716, 0.19956143, 0.24975114, 0.29950229], abs=1e-8)
    # The library's gradient and step agree with the formulas the demo prints.
    differences = [float(d) for d in re.findall(r'largest difference (\S+)', output)]
    assert len(differences) == 2 and max(differences) < 1e-12
