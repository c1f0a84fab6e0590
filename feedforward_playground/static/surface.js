// The output view: the net's decision surface (classification) or fitted surface (regression) over the plane,
// or its fitted curve (1-D data) with each hidden unit's curve, and the data points on a canvas above it.
import { CLASS_COLORS, css, diverging, mix } from './colors.js';

export class Surface {
  constructor(canvas, overlay) {
    this.canvas = canvas;
    this.overlay = overlay;
    this.ctx = canvas.getContext('2d', { willReadFrequently: true });
    this.octx = overlay.getContext('2d');
    this.image = this.ctx.createImageData(canvas.width, canvas.height);
    this.points = null;
    this.discretize = false;
    this.showTest = true;
    this.curveRange = [-1, 1];
  }

  // The points of the data set (a 'points' message).
  setPoints(header, sections) {
    this.points = { header, xy: sections.xy, target: sections.target, test: sections.test };
    const [low, high] = header.value_range;
    const margin = 0.15 * (high - low || 1);
    this.curveRange = [low - margin, high + margin];
    this.drawPoints();
  }

  // Canvas coordinates of a point of the plane (or of the curve's plot), and back.
  toCanvas(x1, x2) {
    const [[lo1, hi1], [lo2, hi2]] = this.points.header.domain;
    const { width, height } = this.canvas;
    const px = ((x1 - lo1) / (hi1 - lo1)) * width;
    if (this.points.header.task === 'curve') {
      const [low, high] = this.curveRange;
      return [px, ((high - x2) / (high - low)) * height];
    }
    return [px, ((hi2 - x2) / (hi2 - lo2)) * height];
  }

  fromCanvas(px, py) {
    const [[lo1, hi1], [lo2, hi2]] = this.points.header.domain;
    const { width, height } = this.canvas;
    const x1 = lo1 + (px / width) * (hi1 - lo1);
    if (this.points.header.task === 'curve') {
      const [low, high] = this.curveRange;
      return [x1, high - (py / height) * (high - low)];
    }
    return [x1, hi2 - (py / height) * (hi2 - lo2)];
  }

  pointColor(i) {
    const { task } = this.points.header;
    const value = this.points.target[i];
    if (task === 'classification') return CLASS_COLORS[Math.round(value) % CLASS_COLORS.length];
    if (task === 'curve') return [40, 40, 40];
    const [low, high] = this.points.header.value_range;
    return diverging((2 * (value - low)) / (high - low || 1) - 1);
  }

  drawPoints() {
    const ctx = this.octx;
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
    if (!this.points) return;
    const { xy, target, test } = this.points;
    const curve = this.points.header.task === 'curve';
    for (let i = 0; i < test.length; i++) {
      if (test[i] && !this.showTest) continue;
      const [px, py] = this.toCanvas(xy[2 * i], curve ? target[i] : xy[2 * i + 1]);
      ctx.beginPath();
      ctx.arc(px, py, curve ? 2.5 : 3.5, 0, 2 * Math.PI);
      if (curve) {
        ctx.fillStyle = test[i] ? '#fff' : '#333';
        ctx.strokeStyle = '#333';
      } else {
        ctx.fillStyle = css(this.pointColor(i));
        // Training points ringed in white on the coloured classes, in grey on a regression's pale values.
        ctx.strokeStyle = test[i] ? '#000' : this.points.header.task === 'regression' ? '#888' : '#fff';
      }
      ctx.lineWidth = 1;
      ctx.fill();
      ctx.stroke();
    }
  }

  draw(header, sections) {
    if (header.task === 'curve') this.drawCurve(header, sections);
    else this.drawPlane(header, sections.surface);
  }

  // Colour tables, as 32-bit pixels (RGBA in memory): a byte value interpolated to a quarter (4v, 0 to 1020)
  // gives a colour, so that drawing a frame allocates nothing. For one output, class 1 is exactly 4v >= 510,
  // that is v >= 127.5, the byte's top bit: the colour never moves the boundary the server sent.
  tables() {
    const key = `${this.discretize}`;
    if (this.tableKey === key) return this.lut;
    const pack = (rgb) => (255 << 24) | (rgb[2] << 16) | (rgb[1] << 8) | rgb[0];
    const discretize = this.discretize;
    const classes = new Uint32Array(1021);
    const values = new Uint32Array(1021);
    for (let q = 0; q <= 1020; q++) {
      const v = q / 4;
      const t = (v - 127.5) / 127.5;
      const cls = q >= 510 ? 1 : 0;
      classes[q] = pack(mix(CLASS_COLORS[cls], discretize ? 0.75 : 0.2 + 0.6 * Math.abs(t)));
      const r = (2 * v) / 255 - 1;
      values[q] = pack(discretize ? diverging(Math.sign(r) * 0.75) : diverging(0.85 * r));
    }
    const several = new Uint32Array(256);
    for (let byte = 0; byte < 256; byte++) {
      const cls = byte >> 5;
      const confidence = (byte & 31) / 31;
      several[byte] = pack(mix(CLASS_COLORS[cls % CLASS_COLORS.length], discretize ? 0.75 : 0.2 + 0.6 * confidence));
    }
    this.lut = { classes, values, several };
    this.tableKey = key;
    return this.lut;
  }

  // One colour per canvas pixel, from the grid's (R+1)×(R+1) nodes: bilinear between the four nodes around
  // the pixel's centre for one output or a value, the nearest node for classes of several outputs.
  drawPlane(header, surface) {
    const { width, height } = this.canvas;
    const pixels = new Uint32Array(this.image.data.buffer);
    const R = header.resolution;
    const n = R + 1;
    if (this.columnsFor !== `${R}:${width}`) {
      this.columns = { c0: new Int32Array(width), fx: new Float32Array(width), nearest: new Int32Array(width) };
      for (let px = 0; px < width; px++) {
        const gx = ((px + 0.5) / width) * R;
        this.columns.c0[px] = Math.min(Math.floor(gx), R - 1);
        this.columns.fx[px] = gx - this.columns.c0[px];
        this.columns.nearest[px] = Math.round(gx);
      }
      this.columnsFor = `${R}:${width}`;
    }
    const { c0, fx, nearest } = this.columns;
    const outputs = header.sizes[header.sizes.length - 1];
    const lut = this.tables();
    const interpolate = header.task === 'regression' || outputs === 1;
    const table = header.task === 'regression' ? lut.values : lut.classes;
    let o = 0;
    for (let py = 0; py < height; py++) {
      const gy = ((py + 0.5) / height) * R;
      const r0 = Math.min(Math.floor(gy), R - 1);
      const fy = gy - r0;
      if (interpolate) {
        const top = r0 * n;
        const bottom = top + n;
        for (let px = 0; px < width; px++, o++) {
          const a = c0[px];
          const f = fx[px];
          const upper = surface[top + a] + (surface[top + a + 1] - surface[top + a]) * f;
          const lower = surface[bottom + a] + (surface[bottom + a + 1] - surface[bottom + a]) * f;
          pixels[o] = table[Math.floor(4 * (upper + (lower - upper) * fy))];
        }
      } else {
        const row = Math.round(gy) * n;
        for (let px = 0; px < width; px++, o++) pixels[o] = lut.several[surface[row + nearest[px]]];
      }
    }
    this.ctx.putImageData(this.image, 0, 0);
  }

  // A curve: the data's y range, the net's curve (float32 samples) and each hidden unit's output, scaled into
  // the plot's range (each by its own largest |a|), drawn faintly.
  drawCurve(header, sections) {
    const ctx = this.ctx;
    const { width, height } = this.canvas;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    if (!this.points) return;
    const [low, high] = this.curveRange;
    const toY = (y) => ((high - y) / (high - low)) * height;
    ctx.strokeStyle = '#ccc';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(0, toY(0));
    ctx.lineTo(width, toY(0));
    ctx.stroke();
    const curve = sections.surface;
    const samples = curve.length;
    const thumbs = sections.thumbs;
    const units = sections.thumb_scale.length;
    const middle = (high + low) / 2;
    const half = (high - low) / 2;
    for (let u = 0; u < units; u++) {
      ctx.strokeStyle = css(CLASS_COLORS[(u % 6) + 2], 0.45);
      ctx.beginPath();
      for (let i = 0; i < samples; i++) {
        const value = middle + (0.9 * half * (thumbs[u * samples + i] - 127.5)) / 127.5;
        const x = (i / (samples - 1)) * width;
        if (i === 0) ctx.moveTo(x, toY(value)); else ctx.lineTo(x, toY(value));
      }
      ctx.stroke();
    }
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    for (let i = 0; i < samples; i++) {
      const y = Math.max(low - half, Math.min(high + half, curve[i]));
      const x = (i / (samples - 1)) * width;
      if (i === 0) ctx.moveTo(x, toY(y)); else ctx.lineTo(x, toY(y));
    }
    ctx.stroke();
  }
}
