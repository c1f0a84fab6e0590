// The colours of classes and values: orange for class 0 and negative values, blue for class 1 and positive ones
// (as TensorFlow Playground draws them), then more hues for classes 2 to 7.
export const CLASS_COLORS = [[245, 147, 34], [8, 119, 189], [46, 160, 67], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127]];
const WHITE = [255, 255, 255];

export function mix(color, amount, base = WHITE) {
  return [0, 1, 2].map((i) => Math.round(base[i] + (color[i] - base[i]) * amount));
}

// A signed value in [-1, 1]: orange below 0, blue above, white at 0.
export function diverging(t) {
  return t < 0 ? mix(CLASS_COLORS[0], Math.min(1, -t)) : mix(CLASS_COLORS[1], Math.min(1, t));
}

export function css(rgb, alpha = 1) {
  return alpha === 1 ? `rgb(${rgb[0]},${rgb[1]},${rgb[2]})` : `rgba(${rgb[0]},${rgb[1]},${rgb[2]},${alpha})`;
}
