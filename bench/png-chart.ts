/**
 * A small line chart as a PNG, with no dependency: an RGB pixel buffer, straight lines, a 3x5 digit font for
 * the axis values, and the PNG container (zlib's deflate and CRC32). Enough for the bench's scale curve.
 */
import { crc32, deflateSync } from 'node:zlib';

export interface Series {
  name: string;
  color: [number, number, number];
  points: { x: number; y: number }[];
}

const FONT: Record<string, string[]> = {
  '0': ['111', '101', '101', '101', '111'],
  '1': ['010', '110', '010', '010', '111'],
  '2': ['111', '001', '111', '100', '111'],
  '3': ['111', '001', '111', '001', '111'],
  '4': ['101', '101', '111', '001', '001'],
  '5': ['111', '100', '111', '001', '111'],
  '6': ['111', '100', '111', '101', '111'],
  '7': ['111', '001', '001', '001', '001'],
  '8': ['111', '101', '111', '101', '111'],
  '9': ['111', '101', '111', '001', '111'],
  '.': ['000', '000', '000', '000', '010'],
  k: ['100', '101', '110', '101', '101'],
  ' ': ['000', '000', '000', '000', '000'],
  '/': ['001', '001', '010', '100', '100'],
  A: ['010', '101', '111', '101', '101'],
  B: ['110', '101', '110', '101', '110'],
  D: ['110', '101', '101', '101', '110'],
  I: ['111', '010', '010', '010', '111'],
  N: ['101', '111', '111', '111', '101'],
  C: ['111', '100', '100', '100', '111'],
  E: ['111', '100', '110', '100', '111'],
  L: ['100', '100', '100', '100', '111'],
  M: ['101', '111', '111', '101', '101'],
  O: ['111', '101', '101', '101', '111'],
  P: ['111', '101', '111', '100', '100'],
  R: ['110', '101', '110', '101', '101'],
  S: ['111', '100', '111', '001', '111'],
  U: ['101', '101', '101', '101', '111'],
  V: ['101', '101', '101', '101', '010'],
};

class Canvas {
  readonly px: Buffer;
  constructor(
    readonly w: number,
    readonly h: number,
  ) {
    this.px = Buffer.alloc(w * h * 3, 255);
  }
  set(x: number, y: number, c: readonly number[]): void {
    if (x < 0 || y < 0 || x >= this.w || y >= this.h) return;
    const i = (Math.round(y) * this.w + Math.round(x)) * 3;
    this.px[i] = c[0]!;
    this.px[i + 1] = c[1]!;
    this.px[i + 2] = c[2]!;
  }
  line(x0: number, y0: number, x1: number, y1: number, c: readonly number[], thick = 1): void {
    const n = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1);
    for (let i = 0; i <= n; i++) {
      const x = x0 + ((x1 - x0) * i) / n;
      const y = y0 + ((y1 - y0) * i) / n;
      for (let dx = 0; dx < thick; dx++) for (let dy = 0; dy < thick; dy++) this.set(x + dx, y + dy, c);
    }
  }
  text(s: string, x: number, y: number, c: readonly number[], scale = 2): void {
    let cx = x;
    for (const ch of s) {
      const g = FONT[ch];
      if (!g) throw new Error(`the chart font has no glyph for ${JSON.stringify(ch)}`);
      if (g)
        for (let r = 0; r < 5; r++)
          for (let k = 0; k < 3; k++)
            if (g[r]![k] === '1') for (let a = 0; a < scale; a++) for (let b = 0; b < scale; b++) this.set(cx + k * scale + a, y + r * scale + b, c);
      cx += 4 * scale;
    }
  }
}

/** Number as the font can write it: 32000 → 32k, 1.5 → 1.5. */
function label(v: number): string {
  if (v >= 1000 && v % 1000 === 0) return `${v / 1000}k`;
  return v >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
}

/**
 * One panel per series (each with its own y axis from 0, titled with its name in capitals), sharing the x
 * values, titled `xName`. Ticks at every x value and at four y steps, labelled with digits. Returns the PNG.
 */
export function lineChartPng(series: Series[], xName: string, width = 900, panelHeight = 280): Buffer {
  const c = new Canvas(width, panelHeight * series.length);
  const left = 70;
  const right = width - 30;
  series.forEach((s, si) => {
    const top = si * panelHeight + 40;
    const bottom = top + panelHeight - 80;
    const xs = s.points.map((p) => p.x);
    const xmax = Math.max(...xs);
    const ymax = Math.max(...s.points.map((p) => p.y)) * 1.1 || 1;
    const X = (x: number) => left + ((right - left) * x) / xmax;
    const Y = (y: number) => bottom - ((bottom - top) * y) / ymax;
    const axis = [60, 60, 60];
    c.line(left, top, left, bottom, axis);
    c.line(left, bottom, right, bottom, axis);
    for (const x of xs) {
      c.line(X(x), bottom, X(x), bottom + 5, axis);
      c.text(label(x), X(x) - 8, bottom + 10, axis);
    }
    for (let k = 1; k <= 4; k++) {
      const v = (ymax / 4) * k;
      c.line(left - 5, Y(v), left, Y(v), axis);
      c.line(left + 1, Y(v), right, Y(v), [225, 225, 225]);
      c.text(label(v), 8, Y(v) - 5, axis);
    }
    c.text(s.name.toUpperCase(), left, top - 28, s.color);
    c.text(xName.toUpperCase(), right - 4 * 2 * xName.length, bottom + 30, axis);
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    for (let i = 1; i < pts.length; i++) c.line(X(pts[i - 1]!.x), Y(pts[i - 1]!.y), X(pts[i]!.x), Y(pts[i]!.y), s.color, 2);
    for (const p of pts) for (let a = -3; a <= 3; a++) for (let b = -3; b <= 3; b++) c.set(X(p.x) + a, Y(p.y) + b, s.color);
  });
  return png(c);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function png(c: Canvas): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(c.w, 0);
  ihdr.writeUInt32BE(c.h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc((c.w * 3 + 1) * c.h);
  for (let y = 0; y < c.h; y++) c.px.copy(raw, y * (c.w * 3 + 1) + 1, y * c.w * 3, (y + 1) * c.w * 3); // filter 0 per row
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
