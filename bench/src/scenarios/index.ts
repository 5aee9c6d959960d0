import { scenario as connect } from "./connect.js";
import { scenario as fanout } from "./fanout.js";
import { scenario as idle } from "./idle.js";
import { scenario as oneway } from "./oneway.js";
import { scenario as pipelined } from "./pipelined.js";
import { scenario as rtt } from "./rtt.js";
import { scenario as stream } from "./stream.js";
import type { Scenario, ScenarioName } from "./types.js";

/** Every scenario, in the order they run and appear in the report. */
export const SCENARIOS: Record<ScenarioName, Scenario> = {
  oneway,
  rtt,
  pipelined,
  fanout,
  stream,
  connect,
  idle,
};
