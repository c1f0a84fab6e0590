// The playground's page: one WebSocket to the server, whose session trains the net; the page only draws the
// frames it is sent and sends the learner's controls. Nothing here computes a gradient.
import { Chart } from './chart.js';
import { Network, unitName } from './network.js';
import { unpack } from './protocol.js';
import { Surface } from './surface.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const token = params.get('token') || '';

// What the tests and the benchmark read: counts, latencies of controls, the last replies.
const stats = { frames: 0, bytes: 0, latencies: [], errors: [], drawMs: [], sizes: [], buildMs: [] };
const state = {
  ws: null, session: null, catalog: null, setup: null, seq: 0, sent: new Map(), header: null, points: null,
  netKey: null, hover: null, hashApplied: false,
};
window.playground = { stats, state, chart: null, lastScript: null, lastTrace: null, lastModel: null, lastInspect: null,
  ready: false, send: (message) => send(message) };

const surface = new Surface($('surface'), $('overlay'));
const chart = new Chart($('chart'));
window.playground.chart = chart;
const network = new Network($('network'), $('layer-buttons'), {
  hover: (target, event) => inspect(target, event),
  leave: () => { state.hover = null; $('tooltip').hidden = true; },
  units: (index, change) => changeUnits(index, change),
});

// ----- the connection -----------------------------------------------------------------------------

function connect() {
  const ws = new WebSocket(`ws://${location.host}/ws?token=${encodeURIComponent(token)}`);
  ws.binaryType = 'arraybuffer';
  state.ws = ws;
  ws.onmessage = (event) => {
    if (typeof event.data === 'string') onText(JSON.parse(event.data));
    else onBinary(event.data);
  };
  ws.onclose = () => { $('status').textContent = 'disconnected: reload the page (the server may have stopped)'; };
}

function send(message) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(message));
}

// A message that changes something: numbered, so that the frame that reflects it says so.
function control(message) {
  state.seq += 1;
  state.sent.set(state.seq, performance.now());
  send({ ...message, seq: state.seq });
  return state.seq;
}

function set(changes) {
  return control({ type: 'set', changes });
}

function onText(message) {
  switch (message.type) {
    case 'welcome':
      state.session = message.session;
      state.catalog = message.catalog;
      buildControls(message.catalog);
      applySetup(message.setup);
      applyHash();
      break;
    case 'error':
      showError(`${message.message}`);
      stats.errors.push(message);
      break;
    case 'python':
      window.playground.lastScript = message.script;
      openDialog('Copy as Python: this run, replayed by the library', message.script);
      if (navigator.clipboard) navigator.clipboard.writeText(message.script).catch(() => {});
      break;
    case 'trace':
      window.playground.lastTrace = message.text;
      openDialog('One step of back-propagation, traced', message.text);
      break;
    case 'model':
      download(message.name, JSON.stringify(message.model));
      break;
    case 'inspect':
      window.playground.lastInspect = message;
      showInspection(message);
      break;
    case 'setup':
      applySetup(message.setup);
      break;
    case 'classified':
      window.playground.lastClassified = message;
      showAnswer(message);
      break;
    default:
      break;
  }
}

function onBinary(buffer) {
  const { header, sections } = unpack(buffer);
  stats.bytes += buffer.byteLength;
  if (header.type === 'points') {
    state.points = header;
    state.pointsData = sections;
    const digits = header.task === 'digits';
    $('digits').hidden = !digits;
    $('plane-view').hidden = digits;
    $('click-hint').hidden = digits;
    $('clear-points').hidden = digits;
    $('features-title').hidden = digits;
    if (!digits) surface.setPoints(header, sections);
    updateClickHint();
    if (state.setup) applySetup(state.setup);
    return;
  }
  onFrame(header, sections, buffer.byteLength);
}

function onFrame(header, sections, size) {
  const began = performance.now();
  stats.frames += 1;
  state.lastFrame = { header, sections };
  for (const [seq, sentAt] of state.sent) {
    if (seq <= header.seq) {
      stats.latencies.push(began - sentAt);
      state.sent.delete(seq);
    }
  }
  if (header.setup) applySetup(header.setup);
  state.header = header;
  const key = `${header.net_version}:${header.sizes.join('-')}:${state.points ? state.points.features.join(',') : ''}`;
  if (state.points && key !== network.key) network.layout(header, state.points.features, state.points.domain);
  if (header.task === 'digits') drawDigits(header, sections); else surface.draw(header, sections);
  if (network.key) network.update(header, sections, $('surface'));
  chart.update(header.chart);
  showStatus(header, size);
  showDiagnostics(header);
  showDivergence(header.divergence);
  stats.drawMs.push(performance.now() - began);
  stats.sizes.push(size);
  stats.buildMs.push(header.build_ms);
  for (const list of [stats.drawMs, stats.sizes, stats.buildMs, stats.latencies]) {
    if (list.length > 4000) list.splice(0, 2000);
  }
  stats.lastFrame = { n: header.n, seq: header.seq, epoch: header.epoch, steps: header.steps, running: header.running,
    batch: header.batch, size, version: header.version, net_version: header.net_version };
  window.playground.ready = true;
  send({ type: 'ack', frame: header.n });
}

// ----- the controls ------------------------------------------------------------------------------

function option(select, value, label = value) {
  const element = document.createElement('option');
  element.value = value;
  element.textContent = label;
  select.appendChild(element);
}

function buildControls(catalog) {
  const kind = $('kind');
  kind.textContent = '';
  const groups = { classification: 'Classification', regression: 'Regression', curve: 'Curve y = f(x)' };
  for (const [task, kinds] of Object.entries(catalog.kinds)) {
    if (!(task in groups)) continue;
    const group = document.createElement('optgroup');
    group.label = groups[task];
    for (const name of kinds) option(group, name);
    kind.appendChild(group);
  }
  if (catalog.kinds.digits && catalog.kinds.digits.length) {
    const group = document.createElement('optgroup');
    group.label = 'Digits';
    for (const name of catalog.kinds.digits) option(group, name, 'MNIST (a subset)');
    kind.appendChild(group);
  }
  option(kind, 'csv', 'CSV file (load one)');
  for (const id of ['hidden_activation', 'output_activation']) {
    $(id).textContent = '';
    for (const name of catalog.activations) option($(id), name);
  }
  $('cost').textContent = '';
  for (const name of catalog.costs) option($('cost'), name);
  $('optimizer').textContent = '';
  for (const entry of catalog.optimizers) option($('optimizer'), entry.name, entry.label);
  $('schedule').textContent = '';
  for (const entry of catalog.schedules) option($('schedule'), entry.name, entry.label);
  const features = $('features');
  features.textContent = '';
  for (const name of catalog.features) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = name;
    box.addEventListener('change', () => {
      const chosen = [...features.querySelectorAll('input:checked')].map((b) => b.value);
      if (chosen.length) set({ features: chosen }); else box.checked = true;
    });
    label.append(box, ` ${name}`);
    features.appendChild(label);
  }
  $('points').max = catalog.limits.max_points;
}

const NUMBER_FIELDS = ['points', 'noise', 'test_share', 'classes', 'data_seed', 'learning_rate', 'batch_size', 'l2',
  'dropout', 'weight_seed', 'shuffle_seed', 'dropout_seed'];
const INTEGER_FIELDS = new Set(['points', 'classes', 'data_seed', 'batch_size', 'weight_seed', 'shuffle_seed',
  'dropout_seed']);
const CHOICE_FIELDS = ['kind', 'hidden_activation', 'output_activation', 'cost', 'optimizer', 'schedule'];

function wireControls() {
  for (const id of NUMBER_FIELDS) {
    const input = $(id);
    const live = input.type === 'range';
    input.addEventListener(live ? 'input' : 'change', () => {
      const value = INTEGER_FIELDS.has(id) ? parseInt(input.value, 10) : parseFloat(input.value);
      showOutput(input);
      if (Number.isFinite(value)) set({ [id]: value });
    });
  }
  for (const id of CHOICE_FIELDS) {
    $(id).addEventListener('change', () => {
      if (id === 'kind' && $(id).value === 'csv') { $('csv').click(); return; }
      set({ [id]: $(id).value });
    });
  }
  $('play').addEventListener('click', () => control({ type: state.header && state.header.running ? 'pause' : 'play' }));
  $('step').addEventListener('click', () => control({ type: 'step' }));
  $('epoch').addEventListener('click', () => control({ type: 'epoch' }));
  $('reset').addEventListener('click', () => control({ type: 'reset' }));
  $('new-weights').addEventListener('click', () => control({ type: 'new_weights' }));
  $('python').addEventListener('click', () => control({ type: 'python' }));
  $('trace').addEventListener('click', () => control({ type: 'trace' }));
  $('save').addEventListener('click', () => control({ type: 'save' }));
  $('clear-points').addEventListener('click', () => control({ type: 'clear_points' }));
  $('add-layer').addEventListener('click', () => {
    const hidden = [...state.setup.hidden];
    if (hidden.length < state.catalog.limits.max_layers) set({ hidden: [...hidden, hidden[hidden.length - 1] || 4] });
  });
  $('remove-layer').addEventListener('click', () => set({ hidden: state.setup.hidden.slice(0, -1) }));
  $('load').addEventListener('change', () => upload('model', $('load')));
  $('csv').addEventListener('change', () => upload('csv', $('csv')));
  $('discretize').addEventListener('change', () => { surface.discretize = $('discretize').checked; redraw(); });
  $('show-test').addEventListener('change', () => { surface.showTest = $('show-test').checked; surface.drawPoints(); });
  $('overlay').addEventListener('click', addPoint);
  wirePad();
  $('dialog-close').addEventListener('click', () => $('dialog').close());
  $('dialog-copy').addEventListener('click', () => {
    $('dialog-text').select();
    if (navigator.clipboard) navigator.clipboard.writeText($('dialog-text').value).catch(() => {});
  });
}

function showOutput(input) {
  const output = document.querySelector(`output[for="${input.id}"]`);
  if (output) output.textContent = input.value;
}

function changeUnits(index, change) {
  const hidden = [...state.setup.hidden];
  hidden[index] = Math.max(1, Math.min(state.catalog.limits.max_units, hidden[index] + change));
  set({ hidden });
}

// The settings of the update rule or the schedule, as the catalog describes them.
function buildSettings(container, specs, values, field) {
  const key = specs.map((s) => s.name).join(',');
  if (container.dataset.key !== key) {
    container.textContent = '';
    container.dataset.key = key;
    for (const spec of specs) {
      const label = document.createElement('label');
      label.className = 'row';
      const input = document.createElement('input');
      input.dataset.name = spec.name;
      if (spec.kind === 'bool') input.type = 'checkbox';
      else {
        input.type = 'number';
        input.step = spec.kind === 'int' ? '1' : 'any';
        input.min = spec.min;
        input.max = spec.max;
      }
      input.addEventListener('change', () => {
        const settings = {};
        for (const element of container.querySelectorAll('input')) {
          const s = specs.find((item) => item.name === element.dataset.name);
          settings[s.name] = s.kind === 'bool' ? element.checked
            : s.kind === 'int' ? parseInt(element.value, 10) : parseFloat(element.value);
        }
        set({ [field]: settings });
      });
      label.append(spec.name, input);
      container.appendChild(label);
    }
  }
  for (const input of container.querySelectorAll('input')) {
    const spec = specs.find((item) => item.name === input.dataset.name);
    const value = spec.name in values ? values[spec.name] : spec.default;
    if (document.activeElement === input) continue;
    if (spec.kind === 'bool') input.checked = value; else input.value = value;
  }
}

// The server's set-up into the controls (without sending anything), and into the URL.
function applySetup(setup) {
  state.setup = setup;
  for (const id of NUMBER_FIELDS.concat(CHOICE_FIELDS)) {
    const input = $(id);
    if (document.activeElement === input && input.type !== 'range') continue;
    input.value = setup[id];
    showOutput(input);
  }
  const task = state.points ? state.points.task : null;
  const curveFeatures = new Set(state.catalog.curve_features);
  for (const box of $('features').querySelectorAll('input')) {
    box.checked = setup.features.includes(box.value);
    box.parentElement.hidden = task === 'digits' || (task === 'curve' && !curveFeatures.has(box.value));
  }
  $('classes-row').hidden = setup.kind !== 'blobs';
  const optimizer = state.catalog.optimizers.find((o) => o.name === setup.optimizer);
  buildSettings($('optimizer-settings'), optimizer.settings, setup.optimizer_settings, 'optimizer_settings');
  const schedule = state.catalog.schedules.find((s) => s.name === setup.schedule);
  buildSettings($('schedule-settings'), schedule.settings, setup.schedule_settings, 'schedule_settings');
  if (state.hashApplied) writeHash(setup);
}

// ----- the set-up in the URL -----------------------------------------------------------------------

function writeHash(setup) {
  const parts = [];
  for (const [key, value] of Object.entries(setup)) {
    if (key === 'kind' && value === 'csv') continue;
    const text = Array.isArray(value) ? value.join(',') : typeof value === 'object' ? JSON.stringify(value) : value;
    parts.push(`${key}=${encodeURIComponent(text)}`);
  }
  history.replaceState(null, '', `${location.pathname}${location.search}#${parts.join('&')}`);
}

function readHash() {
  const changes = {};
  const text = location.hash.slice(1);
  if (!text) return changes;
  for (const part of text.split('&')) {
    const [key, raw] = part.split('=');
    if (!key || raw === undefined || !(key in state.setup)) continue;
    const value = decodeURIComponent(raw);
    const current = state.setup[key];
    if (Array.isArray(current)) {
      changes[key] = value === '' ? [] : value.split(',').map((v) => (key === 'hidden' ? parseInt(v, 10) : v));
    } else if (typeof current === 'object') {
      try { changes[key] = JSON.parse(value); } catch (error) { /* a broken link: keep the default */ }
    } else if (typeof current === 'number') {
      changes[key] = Number(value);
    } else {
      changes[key] = value;
    }
  }
  if (changes.kind === 'csv') delete changes.kind;
  return changes;
}

function applyHash() {
  const changes = readHash();
  state.hashApplied = true;
  if (Object.keys(changes).length) set(changes);
  else writeHash(state.setup);
}

// ----- what the page shows besides the drawings -------------------------------------------------

function format(value, digits = 4) {
  return value === null || value === undefined ? '–' : Number(value).toPrecision(digits);
}

function showStatus(header, size) {
  $('play').textContent = header.running ? '❚❚ Pause' : '▶ Play';
  const batch = header.batch ? ` + ${header.batch}/${header.batches} steps` : '';
  $('status').textContent = `Epoch ${header.epoch}${batch} · ${Math.round(header.steps_per_second).toLocaleString()} ` +
    `steps/s · learning rate ${format(header.learning_rate, 3)} · frame ${(size / 1024).toFixed(1)} KB`;
  const last = chart.points[chart.points.length - 1];
  const classes = header.task === 'classification' || header.task === 'digits';
  const metric = classes ? 'accuracy' : 'R²';
  $('metric-name').textContent = metric;
  if (!last) { $('metrics').textContent = 'No epoch finished yet.'; return; }
  const percent = (v) => (v === null ? '–' : classes ? `${(100 * v).toFixed(1)}%` : format(v, 3));
  $('metrics').textContent = `Training cost ${format(last[1])} · test cost ${format(last[2])} · ` +
    `training ${metric} ${percent(last[3])} · test ${metric} ${percent(last[4])}`;
}

function showDiagnostics(header) {
  const d = header.diagnostics;
  const body = $('diagnostics').querySelector('tbody');
  if (!d) return;
  const rows = d.weight_gradient_norm.map((g, l) => {
    const sizes = header.sizes;
    const name = l === sizes.length - 2 ? 'output' : `hidden ${l + 1}`;
    const share = (v) => (v === null ? '–' : `${(100 * v).toFixed(0)}%`);
    const bad = (v) => (v !== null && v > 0.5 ? ' class="bad"' : '');
    return `<tr><td>${name}</td><td>${g === null ? '–' : g.toExponential(1)}</td>` +
      `<td${bad(d.saturated[l])}>${share(d.saturated[l])}</td><td${bad(d.dead[l])}>${share(d.dead[l])}</td>` +
      `<td>${format(d.activation_mean[l], 2)}</td></tr>`;
  });
  body.innerHTML = rows.join('');
}

function showDivergence(divergence) {
  const banner = $('divergence');
  if (!divergence) { banner.hidden = true; return; }
  banner.hidden = false;
  banner.textContent = `Training diverged in epoch ${divergence.epoch}` +
    (divergence.batch ? ` at batch ${divergence.batch}` : '') +
    (divergence.undone ? `: epoch ${divergence.epoch} is undone, the net is back at its parameters from its start.`
      : ': the cost came out infinite.') + ' Lower the learning rate and play again.';
  banner.dataset.epoch = divergence.epoch;
  banner.dataset.batch = divergence.batch || '';
}

function showError(text) {
  const div = document.createElement('div');
  div.textContent = text;
  $('errors').appendChild(div);
  setTimeout(() => div.remove(), 8000);
}

function openDialog(title, text) {
  $('dialog-title').textContent = title;
  $('dialog-text').value = text;
  if (!$('dialog').open) $('dialog').showModal();
}

function download(name, text) {
  window.playground.lastModel = text;
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function upload(kind, input) {
  const file = input.files[0];
  input.value = '';
  if (!file) return;
  if (file.size > state.catalog.limits.max_upload_bytes) {
    showError(`file: expected at most ${state.catalog.limits.max_upload_bytes} bytes, got ${file.size}`);
    return;
  }
  state.seq += 1;
  const query = `token=${encodeURIComponent(token)}&session=${encodeURIComponent(state.session)}&kind=${kind}&seq=${state.seq}`;
  const response = await fetch(`/upload?${query}`, { method: 'POST', body: file });
  const result = await response.json();
  if (!result.ok) {
    showError(result.error);
    stats.errors.push({ field: kind, message: result.error });
  }
}

function redraw() {
  // The next frame would redraw, but while paused it may be a second away: redraw the last one now.
  if (state.lastFrame) surface.draw(state.lastFrame.header, state.lastFrame.sections);
}

function updateClickHint() {
  const select = $('add-class');
  const task = state.points.task;
  select.hidden = task !== 'classification';
  $('add-value').hidden = task !== 'regression';
  $('click-text').textContent = task === 'classification' ? 'Click on the output to add a training point of class'
    : task === 'regression' ? 'Click on the output to add a training point of value'
      : 'Click on the plot to add a training point (x, y) where you click.';
  if (task === 'classification') {
    const classes = state.points.classes;
    if (select.options.length !== classes) {
      select.textContent = '';
      for (let k = 0; k < classes; k++) option(select, k, k === 0 ? '0 (orange)' : k === 1 ? '1 (blue)' : `${k}`);
    }
  }
}

function addPoint(event) {
  if (!state.points) return;
  const rect = $('overlay').getBoundingClientRect();
  const [x1, x2] = surface.fromCanvas(event.clientX - rect.left, event.clientY - rect.top);
  const task = state.points.task;
  const target = task === 'classification' ? parseInt($('add-class').value, 10)
    : task === 'curve' ? x2 : parseFloat($('add-value').value);
  control({ type: 'add_point', x1, x2: task === 'curve' ? 0 : x2, target });
}

// ----- hovering a unit or a weight -------------------------------------------------------------------

function inspect(target, event) {
  state.hover = { target, x: event.clientX, y: event.clientY };
  control({ type: 'inspect', layer: target.layer, unit: target.unit, source: target.source });
}

function showInspection(message) {
  if (!state.hover || !state.header) return;
  const sizes = state.header.sizes;
  const to = unitName(sizes, message.layer, message.unit);
  const what = message.source === null ? `the bias of ${to}` : `the weight from ${unitName(sizes, message.layer - 1, message.source)} to ${to}`;
  const state_ = Object.entries(message.state).map(([k, v]) => `${k} = ${format(v)}`).join(', ');
  const tooltip = $('tooltip');
  tooltip.textContent = '';
  const lines = [
    `${what}: ${format(message.value, 6)}`,
    `∂C/∂θ = ${format(message.gradient, 6)} (the training cost, L2 term included)`,
  ];
  const formula = message.formula.split('\n');
  lines.push(`update (η = ${format(message.learning_rate, 3)}): ${formula[0]}`, ...formula.slice(1).map((l) => `    ${l}`));
  const scaled = message.mid_epoch && 'velocity' in message.state
    ? ' (within an epoch the library keeps the velocity scaled by η)' : '';
  if (state_) lines.push(`state: ${state_}${scaled}`);
  if (message.filled) lines.push(`a full-batch step: ${message.filled}`);
  for (const line of lines) {
    const div = document.createElement('div');
    div.textContent = line;
    tooltip.appendChild(div);
  }
  tooltip.style.left = `${state.hover.x + 14}px`;
  tooltip.style.top = `${state.hover.y + 14}px`;
  tooltip.hidden = false;
}

// ----- the MNIST mode ----------------------------------------------------------------------------------

function drawDigits(header, sections) {
  const confusion = sections.confusion;
  const rows = ['<tr><th></th>' + [...Array(10).keys()].map((k) => `<th>${k}</th>`).join('') + '</tr>'];
  for (let t = 0; t < 10; t++) {
    let total = 0;
    for (let g = 0; g < 10; g++) total += confusion[10 * t + g];
    const cells = [];
    for (let g = 0; g < 10; g++) {
      const count = confusion[10 * t + g];
      const share = total ? count / total : 0;
      const color = t === g ? `rgba(8,119,189,${share.toFixed(2)})` : `rgba(245,147,34,${Math.min(1, 3 * share).toFixed(2)})`;
      cells.push(`<td data-shade="${color}">${count || ''}</td>`);
    }
    rows.push(`<tr><th>${t}</th>${cells.join('')}</tr>`);
  }
  const table = $('confusion');
  table.innerHTML = rows.join('');
  for (const cell of table.querySelectorAll('td')) cell.style.background = cell.dataset.shade;
  const wrong = $('wrong');
  wrong.textContent = '';
  const images = state.pointsData.images;
  const labels = state.pointsData.labels;
  sections.wrong.forEach((index, k) => {
    const figure = document.createElement('figure');
    const canvas = document.createElement('canvas');
    canvas.width = 28;
    canvas.height = 28;
    const image = canvas.getContext('2d').createImageData(28, 28);
    const pixels = new Uint32Array(image.data.buffer);
    for (let p = 0; p < 784; p++) {
      const v = 255 - images[784 * index + p];
      pixels[p] = ((255 << 24) | (v << 16) | (v << 8) | v) >>> 0;
    }
    canvas.getContext('2d').putImageData(image, 0, 0);
    const caption = document.createElement('figcaption');
    caption.textContent = `${labels[index]} → ${sections.wrong_guess[k]}`;
    figure.append(canvas, caption);
    wrong.appendChild(figure);
  });
}

// The pad: white strokes on black, as the digits are; each stroke sends the 28×28 means of its 8×8 blocks.
function wirePad() {
  const pad = $('pad');
  const ctx = pad.getContext('2d');
  const clear = () => { ctx.fillStyle = '#000'; ctx.fillRect(0, 0, pad.width, pad.height); };
  clear();
  let drawing = false;
  const at = (event) => { const r = pad.getBoundingClientRect(); return [event.clientX - r.left, event.clientY - r.top]; };
  pad.addEventListener('pointerdown', (event) => {
    drawing = true;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = 18;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(...at(event));
    ctx.lineTo(...at(event));
    ctx.stroke();
  });
  pad.addEventListener('pointermove', (event) => {
    if (!drawing) return;
    ctx.lineTo(...at(event));
    ctx.stroke();
  });
  const end = () => {
    if (!drawing) return;
    drawing = false;
    const pixels = asMnist(pad);
    if (pixels) control({ type: 'classify', pixels });
  };
  pad.addEventListener('pointerup', end);
  pad.addEventListener('pointerleave', end);
  $('pad-clear').addEventListener('click', () => { clear(); $('answer').textContent = ''; });
}

// The drawing as MNIST's digits were made: its bounding box scaled into 20×20 pixels, placed in 28×28 so that
// its centre of mass is at the centre; 784 values from 0 to 1, row by row (null for an empty pad).
function asMnist(pad) {
  const data = pad.getContext('2d').getImageData(0, 0, pad.width, pad.height).data;
  let top = pad.height, bottom = -1, left = pad.width, right = -1;
  for (let y = 0; y < pad.height; y++) {
    for (let x = 0; x < pad.width; x++) {
      if (data[4 * (y * pad.width + x)] > 32) {
        top = Math.min(top, y); bottom = Math.max(bottom, y); left = Math.min(left, x); right = Math.max(right, x);
      }
    }
  }
  if (bottom < 0) return null;
  const width = right - left + 1, height = bottom - top + 1;
  const scale = 20 / Math.max(width, height);
  const small = document.createElement('canvas');
  small.width = 28;
  small.height = 28;
  const ctx = small.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, 28, 28);
  const draw = (dx, dy) => ctx.drawImage(pad, left, top, width, height, 14 - (width * scale) / 2 + dx,
    14 - (height * scale) / 2 + dy, width * scale, height * scale);
  draw(0, 0);
  let mass = 0, mx = 0, my = 0;
  let pixels = ctx.getImageData(0, 0, 28, 28).data;
  for (let p = 0; p < 784; p++) { mass += pixels[4 * p]; mx += (p % 28) * pixels[4 * p]; my += Math.floor(p / 28) * pixels[4 * p]; }
  ctx.fillRect(0, 0, 28, 28);
  draw(Math.round(13.5 - mx / mass), Math.round(13.5 - my / mass));
  pixels = ctx.getImageData(0, 0, 28, 28).data;
  return Array.from({ length: 784 }, (_, p) => Math.round((pixels[4 * p] / 255) * 1000) / 1000);
}

function showAnswer(message) {
  const answer = $('answer');
  answer.textContent = '';
  const guess = document.createElement('div');
  guess.className = 'guess';
  guess.textContent = `${message.digit}`;
  answer.appendChild(guess);
  const total = message.outputs.reduce((a, b) => a + Math.max(0, b), 0) || 1;
  message.outputs.forEach((value, digit) => {
    const bar = document.createElement('div');
    bar.className = 'bar';
    const span = document.createElement('span');
    span.style.width = `${Math.round((100 * Math.max(0, value)) / total)}px`;
    bar.append(`${digit}`, span, `${(100 * value).toFixed(0)}%`);
    answer.appendChild(bar);
  });
}

wireControls();
connect();
