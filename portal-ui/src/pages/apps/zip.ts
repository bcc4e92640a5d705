// Just enough of the zip format to read an app export's entry names and write the same entries
// again under other names (their compressed bytes are kept as they are).
import { translate } from "../../i18n";

export type ZipEntry = {
  name: string;
  flags: number;
  method: number;
  time: number;
  date: number;
  crc: number;
  compressedSize: number;
  size: number;
  data: Uint8Array;
};

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export class ZipError extends Error {}

/** The file entries of a zip archive (folders left out). */
export function readZip(buffer: ArrayBuffer): ZipEntry[] {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  let end = -1;
  for (let i = bytes.length - 22; i >= Math.max(0, bytes.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      end = i;
      break;
    }
  }
  if (end < 0) {
    throw new ZipError(translate("apps.zip.notZip"));
  }
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  if (count === 0xffff || at === 0xffffffff) {
    throw new ZipError(translate("apps.zip.tooLarge"));
  }
  const decoder = new TextDecoder();
  const entries: ZipEntry[] = [];
  for (let n = 0; n < count; n++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL) {
      throw new ZipError(translate("apps.zip.damaged"));
    }
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const time = view.getUint16(at + 12, true);
    const date = view.getUint16(at + 14, true);
    const crc = view.getUint32(at + 16, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength));
    at += 46 + nameLength + extraLength + commentLength;
    if (compressedSize === 0xffffffff || local === 0xffffffff) {
      throw new ZipError(translate("apps.zip.tooLarge"));
    }
    if (local + 30 > bytes.length || view.getUint32(local, true) !== LOCAL) {
      throw new ZipError(translate("apps.zip.damaged"));
    }
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (name.endsWith("/")) {
      continue;
    }
    entries.push({ name, flags, method, time, date, crc, compressedSize, size, data: bytes.subarray(start, start + compressedSize) });
  }
  return entries;
}

/** A zip archive of `entries`. */
export function writeZip(entries: ZipEntry[]): Uint8Array<ArrayBuffer> {
  const encoder = new TextEncoder();
  const names = entries.map((e) => encoder.encode(e.name));
  const localSize = entries.reduce((sum, e, i) => sum + 30 + (names[i]?.length ?? 0) + e.data.length, 0);
  const centralSize = names.reduce((sum, n) => sum + 46 + n.length, 0);
  const out = new Uint8Array(localSize + centralSize + 22);
  const view = new DataView(out.buffer);
  const offsets: number[] = [];
  let at = 0;
  entries.forEach((e, i) => {
    const name = names[i] ?? new Uint8Array();
    // No data descriptor (sizes are known), names in UTF-8.
    const flags = (e.flags & ~0x0008) | 0x0800;
    offsets.push(at);
    view.setUint32(at, LOCAL, true);
    view.setUint16(at + 4, 20, true);
    view.setUint16(at + 6, flags, true);
    view.setUint16(at + 8, e.method, true);
    view.setUint16(at + 10, e.time, true);
    view.setUint16(at + 12, e.date, true);
    view.setUint32(at + 14, e.crc, true);
    view.setUint32(at + 18, e.compressedSize, true);
    view.setUint32(at + 22, e.size, true);
    view.setUint16(at + 26, name.length, true);
    view.setUint16(at + 28, 0, true);
    out.set(name, at + 30);
    out.set(e.data, at + 30 + name.length);
    at += 30 + name.length + e.data.length;
  });
  const central = at;
  entries.forEach((e, i) => {
    const name = names[i] ?? new Uint8Array();
    const flags = (e.flags & ~0x0008) | 0x0800;
    view.setUint32(at, CENTRAL, true);
    view.setUint16(at + 4, 20, true);
    view.setUint16(at + 6, 20, true);
    view.setUint16(at + 8, flags, true);
    view.setUint16(at + 10, e.method, true);
    view.setUint16(at + 12, e.time, true);
    view.setUint16(at + 14, e.date, true);
    view.setUint32(at + 16, e.crc, true);
    view.setUint32(at + 20, e.compressedSize, true);
    view.setUint32(at + 24, e.size, true);
    view.setUint16(at + 28, name.length, true);
    view.setUint32(at + 42, offsets[i] ?? 0, true);
    out.set(name, at + 46);
    at += 46 + name.length;
  });
  view.setUint32(at, EOCD, true);
  view.setUint16(at + 8, entries.length, true);
  view.setUint16(at + 10, entries.length, true);
  view.setUint32(at + 12, at - central, true);
  view.setUint32(at + 16, central, true);
  return out;
}
