import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus metrics of one server instance (own registry, so tests can run several servers). */
export class ServerMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: "rerankers_requests_total",
    help: "HTTP responses by route, model (empty when none was resolved) and status",
    labelNames: ["route", "model", "status"],
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: "rerankers_request_duration_seconds",
    help: "HTTP response latency in seconds, by route, model and status",
    labelNames: ["route", "model", "status"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly documents = new Counter({
    name: "rerankers_documents_scored_total",
    help: "Documents scored",
    labelNames: ["model"],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: "rerankers_queue_depth",
    help: "Rerank requests running or waiting",
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}
