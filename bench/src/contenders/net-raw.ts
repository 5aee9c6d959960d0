import { netContender } from "./net-framing.js";

/** Hand-rolled `node:net` length-prefixed JSON, one write per message, no schema validation. */
export const contender = netContender(
  "net-raw",
  `node:net ${process.version} length-prefixed JSON`,
  false,
);
