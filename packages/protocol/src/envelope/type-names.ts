/** Names up to this many bytes go through the cache; longer ones are rare and decoded plainly. */
const MAX_CACHED_NAME_BYTES = 32;
/** Slots in the cache (a power of two). A peer cycling through more names only causes misses. */
const CACHE_SLOTS = 128;
const cache: string[] = new Array<string>(CACHE_SLOTS).fill("");

/**
 * Reads a message type name (latin1 bytes `start` to `end`) and returns the same string object
 * for the same bytes whenever it can. A connection sees a handful of names over and over, so a
 * small hashed cache turns a per-frame string build into a byte compare, and the reused string
 * keeps its computed hash, which makes the contract's `Map` lookup that follows cheaper too.
 * Bounded: 128 slots of at most 32 characters.
 */
export function readTypeName(bytes: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length === 0) return "";
  if (length > MAX_CACHED_NAME_BYTES) return bytes.toString("latin1", start, end);
  let hash = length;
  for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + (bytes[i] as number)) | 0;
  const slot = hash & (CACHE_SLOTS - 1);
  const cached = cache[slot] as string;
  if (cached.length === length) {
    let i = 0;
    while (i < length && cached.charCodeAt(i) === bytes[start + i]) i++;
    if (i === length) return cached;
  }
  let name = "";
  for (let i = start; i < end; i++) name += String.fromCharCode(bytes[i] as number);
  cache[slot] = name;
  return name;
}
