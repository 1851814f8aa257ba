export type { AppOptions, ServedModel } from "./app.js";
export { createApp } from "./app.js";
export type { ServerLimits } from "./limits.js";
export { applyServerLimits, DEFAULT_LIMITS, nodeServerOptions } from "./limits.js";
export type { RerankResponse } from "./schema.js";
export { RerankRequest } from "./schema.js";
export type { RunningServer, ServeOptions } from "./serve.js";
export { startServer } from "./serve.js";
