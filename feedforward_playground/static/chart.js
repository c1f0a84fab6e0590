// Training and test cost over the epochs (left axis, logarithmic) and accuracy or R² (right axis, 0 to 1).
// Points are [epoch, training cost, test cost, training metric, test metric]; nulls are left out, never drawn.
export class Chart {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.version = null;
    this.points = [];
  }

  // The chart's part of a frame: {version, start, points}; a new version starts the chart afresh.
  update(part) {
    if (part.version !== this.version) {
      this.version = part.version;
      this.points = [];
    }
    if (part.start < this.points.length) this.points.length = part.start;
    if (part.start === this.points.length) this.points.push(...part.points);
    if (part.points.length) this.draw();
    else if (!this.points.length) this.draw();
  }

  draw() {
    const ctx = this.ctx;
    const { width, height } = this.canvas;
    const left = 42, right = 34, top = 8, bottom = 20;
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#666';
    ctx.strokeStyle = '#ddd';
    ctx.strokeRect(left, top, width - left - right, height - top - bottom);
    const points = this.points;
    if (!points.length) {
      ctx.fillText('the costs appear here after the first epoch', left + 8, top + 20);
      return;
    }
    const epochs = points.map((p) => p[0]);
    const first = Math.min(...epochs), last = Math.max(...epochs, first + 1);
    const costs = [];
    for (const p of points) for (const c of [p[1], p[2]]) if (c !== null && c > 0) costs.push(c);
    const lowest = Math.log10(Math.max(1e-12, Math.min(...costs)));
    const highest = Math.log10(Math.max(...costs));
    const span = Math.max(highest - lowest, 0.1);
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    const X = (e) => left + ((e - first) / (last - first)) * plotWidth;
    const Y = (c) => top + (1 - (Math.log10(c) - lowest) / span) * plotHeight;
    const M = (m) => top + (1 - Math.max(0, Math.min(1, m))) * plotHeight;
    const series = (index, color, scale, dashed) => {
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.setLineDash(dashed ? [4, 3] : []);
      ctx.beginPath();
      let drawing = false;
      for (const p of points) {
        const v = p[index];
        if (v === null || (scale === Y && v <= 0)) { drawing = false; continue; }
        if (drawing) ctx.lineTo(X(p[0]), scale(v)); else ctx.moveTo(X(p[0]), scale(v));
        drawing = true;
      }
      ctx.stroke();
      ctx.setLineDash([]);
    };
    series(3, '#0877bd', M, false);
    series(4, '#0877bd', M, true);
    series(1, '#333', Y, false);
    series(2, '#999', Y, false);
    ctx.fillStyle = '#666';
    ctx.fillText(Math.pow(10, highest).toPrecision(2), 2, top + 10);
    ctx.fillText(Math.pow(10, lowest).toPrecision(2), 2, height - bottom);
    ctx.fillText('1', width - right + 4, top + 10);
    ctx.fillText('0', width - right + 4, height - bottom);
    ctx.fillText(`epoch ${first}`, left, height - 5);
    const lastLabel = `${last}`;
    ctx.fillText(lastLabel, width - right - ctx.measureText(lastLabel).width, height - 5);
  }
}
