// The network as a graph: one column per layer, each unit a thumbnail of its output over the input plane (or
// along the curve), each weight a line whose colour gives its sign (blue +, orange −) and whose width its size.
import { CLASS_COLORS, css, diverging } from './colors.js';

const NODE = 30;
const ROW = 38;
const COLUMN = 104;
const MAX_SHOWN = 16;
const TOP = 4;
const LEFT = 46;
const SVG_NS = 'http://www.w3.org/2000/svg';
// A hidden unit's byte (127.5 + 127.5 a / max|a|) as a 32-bit pixel: orange below 0, blue above.
const THUMB_COLORS = Uint32Array.from({ length: 256 }, (_, byte) => {
  const rgb = diverging((byte - 127.5) / 127.5);
  return ((255 << 24) | (rgb[2] << 16) | (rgb[1] << 8) | rgb[0]) >>> 0;
});

// The names the trace and the tooltips use: x1.. inputs, h<layer>_<unit> hidden, o<unit> outputs.
export function unitName(sizes, layer, unit) {
  if (layer === 0) return `x${unit + 1}`;
  if (layer === sizes.length - 1) return `o${unit + 1}`;
  return `h${layer}_${unit + 1}`;
}

function featureValue(name, x1, x2) {
  switch (name) {
    case 'x1': return x1;
    case 'x2': return x2;
    case 'x1^2': return x1 * x1;
    case 'x2^2': return x2 * x2;
    case 'x1*x2': return x1 * x2;
    case 'sin(x1)': return Math.sin(x1);
    case 'sin(x2)': return Math.sin(x2);
    default: return 0;
  }
}

export class Network {
  constructor(container, buttons, handlers) {
    this.container = container;
    this.buttons = buttons;
    this.handlers = handlers;
    this.key = null;
  }

  // Build the columns, nodes and lines for a net of layer sizes `sizes` (redone when the net changes).
  layout(header, features, domain) {
    const sizes = header.sizes;
    this.task = header.task;
    this.key = `${header.net_version}:${sizes.join('-')}:${features.join(',')}`;
    this.sizes = sizes;
    this.container.textContent = '';
    this.buttons.textContent = '';
    const digits = this.task === 'digits';
    // MNIST's 784 inputs are one label, not 784 thumbnails; its frames carry no weights to draw as lines.
    const shown = sizes.map((n, l) => (digits && l === 0 ? 1 : Math.min(n, MAX_SHOWN)));
    this.shown = shown;
    const width = LEFT + (sizes.length - 1) * COLUMN + NODE + 20;
    const height = TOP + Math.max(...shown) * ROW + 16;
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    this.container.appendChild(svg);
    this.container.style.width = `${width}px`;
    this.container.style.height = `${height}px`;
    const x = (l) => LEFT + l * COLUMN;
    const y = (j) => TOP + j * ROW;
    this.lines = [];
    for (let l = 1; l < (digits ? 0 : sizes.length); l++) {
      for (let j = 0; j < shown[l]; j++) {
        for (let i = 0; i < shown[l - 1]; i++) {
          const path = document.createElementNS(SVG_NS, 'path');
          const x0 = x(l - 1) + NODE, y0 = y(i) + NODE / 2, x1 = x(l), y1 = y(j) + NODE / 2;
          path.setAttribute('d', `M${x0},${y0} C${(x0 + x1) / 2},${y0} ${(x0 + x1) / 2},${y1} ${x1},${y1}`);
          path.setAttribute('fill', 'none');
          path.classList.add('weight');
          const hit = path.cloneNode();
          hit.setAttribute('stroke', 'transparent');
          hit.setAttribute('stroke-width', '6');
          hit.addEventListener('mouseenter', (e) => this.handlers.hover({ layer: l, unit: j, source: i }, e));
          hit.addEventListener('mouseleave', () => this.handlers.leave());
          svg.appendChild(path);
          svg.appendChild(hit);
          this.lines.push({ path, layer: l, i, j });
        }
      }
    }
    this.canvases = [];
    for (let l = 0; l < sizes.length; l++) {
      const column = [];
      for (let j = 0; j < shown[l]; j++) {
        const canvas = document.createElement('canvas');
        canvas.className = 'unit';
        canvas.width = 32;
        canvas.height = 32;
        canvas.style.left = `${x(l)}px`;
        canvas.style.top = `${y(j)}px`;
        canvas.dataset.layer = l;
        canvas.dataset.unit = j;
        if (l > 0) {
          canvas.addEventListener('mouseenter', (e) => this.handlers.hover({ layer: l, unit: j, source: null }, e));
          canvas.addEventListener('mouseleave', () => this.handlers.leave());
        }
        this.container.appendChild(canvas);
        column.push(canvas);
      }
      if (sizes[l] > shown[l] && !(digits && l === 0)) this.label(`+${sizes[l] - shown[l]} more`, x(l) - 4, y(shown[l]) - 4);
      this.canvases.push(column);
    }
    if (digits) {
      this.label('784 pixels', 0, y(0) + 36);
      const ctx = this.canvases[0][0].getContext('2d');
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, 32, 32);
      ctx.fillStyle = '#fff';
      ctx.font = 'bold 18px sans-serif';
      ctx.fillText('7', 11, 23);
      this.canvases[sizes.length - 1].forEach((canvas, j) => {
        const out = canvas.getContext('2d');
        out.fillStyle = '#fff';
        out.fillRect(0, 0, 32, 32);
        out.fillStyle = '#333';
        out.font = '16px sans-serif';
        out.fillText(`${j}`, 11, 22);
      });
      features = [];
    }
    features.forEach((name, j) => {
      if (j < shown[0]) this.label(this.task === 'curve' ? name.replace('x1', 'x') : name, 0, y(j) + 8);
      if (j < shown[0]) this.drawFeature(this.canvases[0][j], name, domain);
    });
    for (let l = 1; l < sizes.length - 1; l++) {
      const box = document.createElement('div');
      box.className = 'unit-buttons';
      box.style.left = `${x(l) - 8}px`;
      const plus = document.createElement('button');
      plus.className = 'small';
      plus.textContent = '+';
      plus.title = 'one more unit';
      plus.addEventListener('click', () => this.handlers.units(l - 1, +1));
      const minus = document.createElement('button');
      minus.className = 'small';
      minus.textContent = '−';
      minus.title = 'one unit fewer';
      minus.addEventListener('click', () => this.handlers.units(l - 1, -1));
      box.append(plus, minus);
      this.buttons.appendChild(box);
    }
  }

  label(text, left, top) {
    const div = document.createElement('div');
    div.className = 'label';
    div.textContent = text;
    div.style.left = `${left}px`;
    div.style.top = `${top}px`;
    this.container.appendChild(div);
  }

  // The MNIST mode: each unit of the first hidden layer as the image of its incoming weights (14×14).
  updateDigits(header, sections) {
    const side = header.thumb_side;
    const thumbs = sections.thumbs;
    const units = sections.thumb_scale.length;
    for (let j = 0; j < Math.min(units, this.shown[1]); j++) {
      const canvas = this.canvases[1][j];
      if (canvas.width !== side) {
        canvas.width = side;
        canvas.height = side;
      }
      const ctx = canvas.getContext('2d');
      const image = ctx.createImageData(side, side);
      const pixels = new Uint32Array(image.data.buffer);
      for (let k = 0; k < side * side; k++) pixels[k] = THUMB_COLORS[thumbs[j * side * side + k]];
      ctx.putImageData(image, 0, 0);
    }
  }

  // An input feature's thumbnail, computed here: it never changes.
  drawFeature(canvas, name, domain) {
    const ctx = canvas.getContext('2d');
    const [[lo1, hi1], [lo2, hi2]] = domain;
    if (this.task === 'curve') {
      const values = Array.from({ length: 32 }, (_, i) => featureValue(name, lo1 + ((hi1 - lo1) * i) / 31, 0));
      this.drawLine(ctx, Float32Array.from(values), 32);
      return;
    }
    const image = ctx.createImageData(32, 32);
    let largest = 0;
    const values = [];
    for (let r = 0; r < 32; r++) {
      for (let c = 0; c < 32; c++) {
        const v = featureValue(name, lo1 + ((hi1 - lo1) * (c + 0.5)) / 32, hi2 - ((hi2 - lo2) * (r + 0.5)) / 32);
        values.push(v);
        largest = Math.max(largest, Math.abs(v));
      }
    }
    values.forEach((v, k) => {
      const rgb = diverging(v / (largest || 1));
      image.data.set([rgb[0], rgb[1], rgb[2], 255], 4 * k);
    });
    ctx.putImageData(image, 0, 0);
  }

  drawLine(ctx, values, count, offset = 0, scale = null) {
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, 32, 32);
    let largest = 0;
    for (let i = 0; i < count; i++) largest = Math.max(largest, Math.abs(values[offset + i] - (scale ? 127.5 : 0)));
    ctx.strokeStyle = '#333';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (let i = 0; i < count; i++) {
      const v = (values[offset + i] - (scale ? 127.5 : 0)) / (largest || 1);
      const px = (i / (count - 1)) * 31;
      const py = 16 - 14 * v;
      if (i === 0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
    }
    ctx.stroke();
  }

  // A frame: the hidden units' thumbnails, the outputs' (from the surface), the weights' lines.
  update(header, sections, surfaceCanvas) {
    const sizes = this.sizes;
    if (header.task === 'digits') {
      this.updateDigits(header, sections);
      return;
    }
    const side = header.thumb_side;
    const thumbs = sections.thumbs;
    let unit = 0;
    for (let l = 1; l < sizes.length - 1; l++) {
      for (let j = 0; j < sizes[l]; j++, unit++) {
        if (j >= this.shown[l]) continue;
        const canvas = this.canvases[l][j];
        const ctx = canvas.getContext('2d');
        if (header.task === 'curve') {
          this.drawLine(ctx, thumbs, side, unit * side, true);
          continue;
        }
        if (canvas.width !== side) {
          canvas.width = side;
          canvas.height = side;
        }
        const image = ctx.createImageData(side, side);
        const pixels = new Uint32Array(image.data.buffer);
        const offset = unit * side * side;
        for (let k = 0; k < side * side; k++) pixels[k] = THUMB_COLORS[thumbs[offset + k]];
        ctx.putImageData(image, 0, 0);
      }
    }
    const outputs = this.canvases[sizes.length - 1];
    for (const canvas of outputs) {
      canvas.getContext('2d').drawImage(surfaceCanvas, 0, 0, canvas.width, canvas.height);
    }
    const params = sections.params;
    const starts = [];
    let start = 0;
    for (let l = 1; l < sizes.length; l++) {
      starts.push(start);
      start += sizes[l - 1] * sizes[l] + sizes[l];
    }
    let largest = 1e-12;
    for (const line of this.lines) {
      line.w = params[starts[line.layer - 1] + line.i * sizes[line.layer] + line.j];
      largest = Math.max(largest, Math.abs(line.w));
    }
    for (const line of this.lines) {
      const size = Math.abs(line.w) / largest;
      line.path.setAttribute('stroke', css(line.w >= 0 ? CLASS_COLORS[1] : CLASS_COLORS[0]));
      line.path.setAttribute('stroke-width', (0.4 + 4.6 * size).toFixed(2));
      line.path.setAttribute('stroke-opacity', (0.25 + 0.75 * size).toFixed(2));
    }
  }
}
