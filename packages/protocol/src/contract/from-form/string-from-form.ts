import { z } from "zod";
import type { FormatForm, PatternForm, StringNode } from "../canonical/node-types.js";
import { notExpressible } from "./not-expressible.js";

/**
 * String nodes back to zod (PROTOCOL.md 7.2, "Strings"): lengths, patterns, and each named format
 * through the zod factory that names it, with the options the form kept. A format the form names
 * but zod does not have (a custom `z.stringFormat`) is rebuilt under the same name as a format
 * that accepts every string: its predicate is the server's code.
 */

type StringCheck = z.core.$ZodCheck<string>;

/** The zod schema of a `string` node. */
export function stringFromForm(node: StringNode, path: string): z.ZodType {
  let schema = (node.coerce ? z.coerce.string() : z.string()) as z.ZodString;
  if (node.minLength !== undefined) schema = schema.min(node.minLength);
  if (node.maxLength !== undefined) schema = schema.max(node.maxLength);
  for (const pattern of node.patterns ?? []) schema = schema.regex(regexOf(pattern, path));
  for (const format of node.formats ?? []) schema = schema.check(formatCheck(format, path));
  return schema;
}

/** The regular expression a pattern form names. */
export function regexOf(pattern: PatternForm, path: string): RegExp {
  try {
    return new RegExp(pattern.source, pattern.flags);
  } catch (error) {
    throw notExpressible(path, `the pattern /${pattern.source}/${pattern.flags} is invalid`, error);
  }
}

const PLAIN: Readonly<Record<string, () => StringCheck>> = {
  guid: () => z.guid(),
  emoji: () => z.emoji(),
  nanoid: () => z.nanoid(),
  cuid: () => z.cuid(),
  cuid2: () => z.cuid2(),
  ulid: () => z.ulid(),
  xid: () => z.xid(),
  ksuid: () => z.ksuid(),
  ipv4: () => z.ipv4(),
  ipv6: () => z.ipv6(),
  cidrv4: () => z.cidrv4(),
  cidrv6: () => z.cidrv6(),
  base64: () => z.base64(),
  base64url: () => z.base64url(),
  e164: () => z.e164(),
  credit_card: () => z.creditCard(),
  iban: () => z.iban(),
  hostname: () => z.hostname(),
  hex: () => z.hex(),
  currency_code: () => z.currencyCode(),
  date: () => z.iso.date(),
  duration: () => z.iso.duration(),
  lowercase: () => z.lowercase(),
  uppercase: () => z.uppercase(),
};

const HASH = /^(md5|sha1|sha256|sha384|sha512)_(hex|base64|base64url)$/;

/** The check that adds `format` to a string schema. */
function formatCheck(format: FormatForm, path: string): StringCheck {
  const option = <T>(name: string): T | undefined => format[name] as T | undefined;
  const pattern = (name: string): RegExp | undefined => {
    const form = option<PatternForm>(name);
    return form === undefined ? undefined : regexOf(form, path);
  };
  const plain = Object.hasOwn(PLAIN, format.name) ? PLAIN[format.name] : undefined;
  if (plain !== undefined) return plain();
  const hash = HASH.exec(format.name);
  if (hash !== null) {
    const [, alg, enc] = hash as unknown as [string, "sha256", "hex"];
    return z.hash(alg, { enc });
  }
  switch (format.name) {
    case "email":
      return z.email(defined({ pattern: pattern("pattern") }));
    case "uuid":
      return z.uuid(defined({ version: option<"v4">("version") }));
    case "url":
      return z.url(
        defined({
          protocol: pattern("protocol"),
          hostname: pattern("hostname"),
          normalize: option<boolean>("normalize"),
        }),
      );
    case "mac":
      return z.mac(defined({ delimiter: option<string>("delimiter") }));
    case "jwt":
      return z.jwt(defined({ alg: option<"HS256">("alg") }));
    case "datetime":
      return z.iso.datetime(
        defined({
          offset: option<boolean>("offset") === true ? true : undefined,
          local: option<boolean>("local") === true ? true : undefined,
          precision: option<number | null>("precision") ?? undefined,
        }),
      );
    case "time":
      return z.iso.time(defined({ precision: option<number | null>("precision") ?? undefined }));
    case "starts_with":
      return z.startsWith(String(option("value")));
    case "ends_with":
      return z.endsWith(String(option("value")));
    case "includes":
      return z.includes(String(option("value")), defined({ position: option<number>("position") }));
    default:
      // A format only the server's code knows: the same name, and every string passes here.
      return z.stringFormat(format.name, () => true);
  }
}

/** `options` without its undefined members: zod reads a present-but-undefined option as set. */
function defined<T extends object>(options: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
