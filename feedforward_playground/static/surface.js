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

  // One colour per canvas pixel, from the grid's (R+1)×(R+1) nodes: bilinear between the four nodes around
  // the pixel's centre for one output or a value, the nearest node for classes of several outputs.
  drawPlane(header, surface) {
    const { width, height } = this.canvas;
    const data = this.image.data;
    const R = header.resolution;
    const n = R + 1;
    const outputs = header.sizes[header.sizes.length - 1];
    const regression = header.task === 'regression';
    const interpolate = regression || outputs === 1;
    const discretize = this.discretize;
    let o = 0;
    for (let py = 0; py < height; py++) {
      const gy = ((py + 0.5) / height) * R;
      const r0 = Math.min(Math.floor(gy), R - 1);
      const fy = gy - r0;
      for (let px = 0; px < width; px++) {
        const gx = ((px + 0.5) / width) * R;
        const c0 = Math.min(Math.floor(gx), R - 1);
        const fx = gx - c0;
        let rgb;
        if (interpolate) {
          const a = r0 * n + c0;
          const v = (surface[a] * (1 - fx) + surface[a + 1] * fx) * (1 - fy) +
                    (surface[a + n] * (1 - fx) + surface[a + n + 1] * fx) * fy;
          if (regression) {
            const t = (2 * v) / 255 - 1;
            rgb = discretize ? diverging(Math.sign(t) * 0.75) : diverging(0.85 * t);
          } else {
            const t = (v - 127.5) / 127.5;
            const cls = v >= 127.5 ? 1 : 0;
            rgb = mix(CLASS_COLORS[cls], discretize ? 0.75 : 0.2 + 0.6 * Math.abs(t));
          }
        } else {
          const byte = surface[Math.round(gy) * n + Math.round(gx)];
          const cls = byte >> 5;
          const confidence = (byte & 31) / 31;
          rgb = mix(CLASS_COLORS[cls % CLASS_COLORS.length], discretize ? 0.75 : 0.2 + 0.6 * confidence);
        }
        data[o] = rgb[0];
        data[o + 1] = rgb[1];
        data[o + 2] = rgb[2];
        data[o + 3] = 255;
        o += 4;
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
