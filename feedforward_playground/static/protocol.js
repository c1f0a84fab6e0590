// Binary messages from the server: a little-endian uint32 H, H bytes of JSON (the header), then the sections
// the header lists as [name, dtype, byte offset, count], each read as a typed array without a copy.
const TYPES = { uint8: Uint8Array, float32: Float32Array, int32: Int32Array, float64: Float64Array };
const decoder = new TextDecoder();

export function unpack(buffer) {
  const length = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(decoder.decode(new Uint8Array(buffer, 4, length)));
  const sections = {};
  for (const [name, dtype, offset, count] of header.sections) {
    sections[name] = new TYPES[dtype](buffer, offset, count);
  }
  return { header, sections };
}
