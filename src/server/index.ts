export { createApp } from "./app.js";
export type { AppOptions, ServedModel } from "./app.js";
export { DEFAULT_LIMITS } from "./limits.js";
export type { ServerLimits } from "./limits.js";
export { startServer } from "./serve.js";
export type { RunningServer, ServeOptions } from "./serve.js";
export { RerankRequest } from "./schema.js";
export type { RerankResponse } from "./schema.js";
