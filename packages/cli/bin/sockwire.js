#!/usr/bin/env node
// The `sockwire` command. It lives outside dist/ so that package managers can link it before the
// package is built (in a workspace); the command itself is dist/bin.js.
import "../dist/bin.js";
