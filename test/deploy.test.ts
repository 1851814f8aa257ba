/**
 * The deployment files (Dockerfile, deploy/kubernetes/**) validated offline: every manifest parses, validates against
 * the Kubernetes OpenAPI schemas (kubernetes-models ships them compiled) and has no unknown field (its TypeScript
 * types, with excess-property checks, as `kubectl --validate=strict` would), and the numbers and names that must
 * agree across files do — checked against the real server started with the Deployment's own arguments.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { DockerfileParser, JSONInstruction } from "dockerfile-ast";
import ts from "typescript";
import { parseAllDocuments } from "yaml";
import { runCli } from "./helpers/cli.js";
import { fixturePath, REPO_ROOT } from "./helpers/fixtures.js";
import { type MockHub, startMockHub } from "./helpers/mock-hub.js";
import { type ServerProcess, startServeProcess } from "./helpers/serve-process.js";

const K8S_DIR = join(REPO_ROOT, "deploy", "kubernetes");

// biome-ignore lint/suspicious/noExplicitAny: manifests are free-form YAML, checked field by field below
type Doc = any;
interface Manifest {
  file: string;
  doc: Doc;
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f))
    .sort();
}

function loadYaml(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(file, "utf8"), { prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const d of list) {
    assert.deepEqual(d.errors, [], `${file}: ${d.errors.join("; ")}`);
    assert.deepEqual(d.warnings, [], `${file}: ${d.warnings.join("; ")}`);
  }
  return list.map((d) => d.toJS());
}

const manifests: Manifest[] = yamlFiles(K8S_DIR).flatMap((file) =>
  loadYaml(file).map((doc) => ({ file: relative(K8S_DIR, file), doc })),
);
/** Files that are not Kubernetes API objects of the core groups: each is checked by its own test below. */
const NOT_CORE = new Set([
  "kustomization.yaml",
  "monitoring/podmonitor.yaml",
  "monitoring/prometheus-adapter-values.yaml",
]);
const objects = manifests.filter((m) => !NOT_CORE.has(m.file));

function one(kind: string): Doc {
  const found = objects.filter((m) => m.doc.kind === kind);
  assert.equal(found.length, 1, `exactly one ${kind}`);
  return found[0].doc;
}
const deployment = one("Deployment");
const service = one("Service");
const hpa = one("HorizontalPodAutoscaler");
const pdb = one("PodDisruptionBudget");
const configMap = one("ConfigMap");
const secret = one("Secret");
const podSpec = deployment.spec.template.spec;
const server = podSpec.containers[0];
const init = podSpec.initContainers[0];
const kustomization = loadYaml(join(K8S_DIR, "kustomization.yaml"))[0];
const adapter = loadYaml(join(K8S_DIR, "monitoring", "prometheus-adapter-values.yaml"))[0];
const podMonitor = loadYaml(join(K8S_DIR, "monitoring", "podmonitor.yaml"))[0];

/** Kubernetes expands `$(VAR)` in args from the container's env and envFrom ConfigMaps. */
function containerEnv(container: Doc): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    assert.equal(from.configMapRef?.name, configMap.metadata.name);
    Object.assign(env, configMap.data);
  }
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}
function expandArgs(container: Doc): string[] {
  const env = containerEnv(container);
  return (container.args as string[]).map((a) =>
    a.replace(/\$\((\w+)\)/g, (_m, name: string) => {
      assert.ok(name in env, `$(${name}) is not defined for container ${container.name}`);
      return env[name];
    }),
  );
}
function flag(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
}

/** The final stage of the Dockerfile, as the facts the manifests depend on. */
function dockerfileFacts() {
  const df = DockerfileParser.parse(readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8"));
  const instructions = df.getInstructions();
  const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf("FROM");
  const final = instructions.slice(lastFrom);
  const last = (kw: string) => final.filter((i) => i.getKeyword() === kw).at(-1);
  const json = (kw: string) => {
    const i = last(kw);
    assert.ok(i instanceof JSONInstruction, `${kw} in exec form`);
    return i.getJSONStrings().map((s) => s.getJSONValue());
  };
  const env: Record<string, string> = {};
  for (const e of df.getENVs()) {
    if (e.getRange().start.line < (final[0]?.getRange().start.line ?? 0)) continue;
    for (const p of e.getProperties()) env[p.getName()] = p.getValue() ?? "";
  }
  const healthcheck = last("HEALTHCHECK")?.getArgumentsContent() ?? "";
  return {
    user: last("USER")?.getArguments()[0]?.getValue() ?? "",
    env,
    expose: final
      .filter((i) => i.getKeyword() === "EXPOSE")
      .flatMap((i) => i.getArguments().map((a) => a.getValue())),
    volumes: json("VOLUME"),
    entrypoint: json("ENTRYPOINT"),
    cmd: json("CMD"),
    healthUrl: /https?:\/\/[^'"\s]+/.exec(healthcheck)?.[0] ?? "",
  };
}

describe("deploy/kubernetes: every manifest is valid", () => {
  it("finds the expected files, each of which parses as YAML", () => {
    const files = new Set(manifests.map((m) => m.file));
    for (const f of [
      "deployment.yaml",
      "service.yaml",
      "hpa.yaml",
      "pdb.yaml",
      "configmap.yaml",
      "secret.example.yaml",
    ]) {
      assert.ok(files.has(f), f);
    }
    for (const m of objects) assert.ok(m.doc.apiVersion && m.doc.kind && m.doc.metadata?.name, m.file);
  });

  it("validates against the Kubernetes OpenAPI schemas", async () => {
    for (const { file, doc } of objects) {
      const mod = await import(`kubernetes-models/${doc.apiVersion}/${doc.kind}`);
      const Model = mod[doc.kind];
      assert.equal(typeof Model, "function", `${file}: no schema for ${doc.apiVersion} ${doc.kind}`);
      assert.doesNotThrow(() => new Model(doc).validate(), `${file} (${doc.kind})`);
    }
  });

  it("the schema check catches a wrong type (control)", async () => {
    const { Deployment } = await import("kubernetes-models/apps/v1/Deployment");
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[0].ports[0].containerPort = "8080";
    assert.throws(() => new Deployment(broken).validate(), /containerPort must be integer/);
  });

  /** Type-check the manifests as object literals of kubernetes-models' types: an unknown field is an error. */
  function strictDiagnostics(docs: Manifest[]): string[] {
    const imports = new Map<string, string>();
    const lines: string[] = [];
    docs.forEach(({ doc }, n) => {
      const type = `I${doc.kind}`;
      imports.set(type, `kubernetes-models/${doc.apiVersion}/${doc.kind}`);
      lines.push(`export const m${n}: ${type} = ${JSON.stringify(doc, null, 1)};`);
    });
    const source = [...imports].map(([t, p]) => `import type { ${t} } from "${p}";`).join("\n");
    const file = join(REPO_ROOT, "test", "deploy-manifests.generated.ts");
    const options: ts.CompilerOptions = {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      types: [],
    };
    const host = ts.createCompilerHost(options);
    const text = `${source}\n${lines.join("\n")}\n`;
    const read = host.readFile.bind(host);
    const getSource = host.getSourceFile.bind(host);
    host.readFile = (f) => (f === file ? text : read(f));
    host.fileExists = (
      (exists) => (f: string) =>
        f === file || exists(f)
    )(host.fileExists.bind(host));
    host.getSourceFile = (f, v, onError, create) =>
      f === file ? ts.createSourceFile(f, text, v) : getSource(f, v, onError, create);
    const program = ts.createProgram([file], options, host);
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  }

  it("has no unknown or misspelled field (strict validation), and a misspelled one is caught (control)", () => {
    const typo = structuredClone(deployment);
    typo.spec.template.spec.terminationGracePeriod = 35;
    // One program for both (building it is the slow part): only the control may have an error.
    const found = strictDiagnostics([...objects, { file: "typo", doc: typo }]);
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /known properties.*terminationGracePeriod\b/);
  });

  it("kustomization.yaml lists the objects (all but the Secret example) and names the image the pods use", () => {
    assert.equal(kustomization.kind, "Kustomization");
    const listed = new Set(kustomization.resources as string[]);
    for (const m of objects) {
      if (m.doc.kind === "Secret") assert.ok(!listed.has(m.file), "the Secret example must not be applied");
      else assert.ok(listed.has(m.file), `${m.file} is not in kustomization.yaml`);
    }
    for (const r of listed)
      assert.ok(
        objects.some((m) => m.file === r),
        `${r} listed but missing`,
      );
    const image = kustomization.images[0].name;
    for (const c of [...podSpec.containers, ...podSpec.initContainers]) assert.equal(c.image, image);
  });
});

describe("deploy/kubernetes: the files agree with each other, the image and the server", () => {
  const docker = dockerfileFacts();
  const args = expandArgs(server);

  it("selectors, ports and references line up", () => {
    const labels = deployment.spec.template.metadata.labels;
    assert.deepEqual(deployment.spec.selector.matchLabels, labels);
    assert.deepEqual(service.spec.selector, labels);
    assert.deepEqual(pdb.spec.selector.matchLabels, labels);
    assert.deepEqual(podMonitor.spec.selector.matchLabels, labels);
    assert.deepEqual(hpa.spec.scaleTargetRef, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: deployment.metadata.name,
    });

    const http = server.ports.find((p: Doc) => p.name === "http");
    assert.equal(String(http.containerPort), flag(args, "--port"));
    assert.ok(docker.expose.includes(String(http.containerPort)), "the image EXPOSEs the container port");
    assert.equal(service.spec.ports[0].targetPort, "http");
    assert.equal(podMonitor.spec.podMetricsEndpoints[0].port, "http");
    assert.equal(flag(args, "--host"), "0.0.0.0");

    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      assert.equal(server[probe].httpGet.path, "/health", probe);
      assert.equal(server[probe].httpGet.port, "http", probe);
      assert.equal(server[probe].httpGet.httpHeaders, undefined, "probes send no API key");
    }
    assert.equal(new URL(docker.healthUrl).pathname, "/health");
    assert.equal(new URL(docker.healthUrl).port, String(http.containerPort));
  });

  it("the secrets the pods read exist in the Secret example, and the API key never appears in args", () => {
    const refs = [...podSpec.containers, ...podSpec.initContainers]
      .flatMap((c: Doc) => c.env ?? [])
      .filter((e: Doc) => e.valueFrom?.secretKeyRef)
      .map((e: Doc) => e.valueFrom.secretKeyRef);
    assert.ok(refs.length >= 2);
    for (const r of refs) {
      assert.equal(r.name, secret.metadata.name);
      assert.ok(r.key in secret.stringData, `Secret example lacks ${r.key}`);
    }
    const apiKeyRef = server.env.find((e: Doc) => e.name === "RERANKERS_API_KEY").valueFrom.secretKeyRef;
    assert.deepEqual(podMonitor.spec.podMetricsEndpoints[0].authorization.credentials, {
      name: apiKeyRef.name,
      key: apiKeyRef.key,
    });
    assert.ok(!args.includes("--api-key") && !(init.args as string[]).includes("--api-key"));
  });

  it("grace period > preStop sleep + the server's drain timeout, with room to release the model", () => {
    const preStop = server.lifecycle.preStop.sleep.seconds;
    const drainMs = Number(flag(args, "--shutdown-timeout"));
    assert.ok(drainMs > 0, "--shutdown-timeout is set explicitly");
    const grace = podSpec.terminationGracePeriodSeconds;
    assert.ok(grace >= preStop + drainMs / 1000 + 5, `${grace} s < ${preStop} + ${drainMs / 1000} + 5`);
    assert.ok(preStop >= 3, "preStop gives endpoint removal time to propagate");
  });

  it("runs as the image's non-root user with a read-only root filesystem; the cache is a volume at HF_HOME", () => {
    const [uid, gid] = docker.user.split(":").map(Number);
    assert.ok(Number.isInteger(uid) && uid > 0, `Dockerfile USER ${docker.user} is numeric and not root`);
    const pod = podSpec.securityContext;
    assert.equal(pod.runAsNonRoot, true);
    assert.equal(pod.runAsUser, uid);
    assert.equal(pod.runAsGroup, gid);
    assert.equal(pod.fsGroup, gid);
    const hfHome = docker.env.HF_HOME;
    assert.ok(docker.volumes.includes(hfHome));
    const volumes = new Map(podSpec.volumes.map((v: Doc) => [v.name, v]));
    for (const c of [server, init]) {
      assert.equal(c.securityContext.readOnlyRootFilesystem, true, c.name);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false, c.name);
      assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"], c.name);
      assert.equal(containerEnv(c).HF_HOME, hfHome, c.name);
      const mount = c.volumeMounts.find((m: Doc) => m.mountPath === hfHome);
      assert.ok(mount && volumes.has(mount.name) && !mount.readOnly, `${c.name} mounts ${hfHome} writable`);
      assert.ok(c.resources.requests.cpu && c.resources.limits.memory, `${c.name} has requests and limits`);
    }
    assert.equal(containerEnv(server).HF_HUB_OFFLINE, "1", "the server never reaches the Hub");
  });

  it("onnxruntime sessions × threads equal the CPU limit", () => {
    const workers = args
      .filter((a, i) => args[i - 1] === "--option" && a.startsWith("workers="))
      .map((a) => Number(a.slice("workers=".length)));
    assert.ok(workers.length <= 1, "workers given once");
    const sessions = workers[0] ?? 1;
    assert.equal(Number(flag(args, "--threads")) * sessions, Number(server.resources.limits.cpu));
    assert.equal(server.resources.requests.cpu, server.resources.limits.cpu);
  });

  it("the init container downloads exactly the model and dtype the server loads", () => {
    const initArgs = expandArgs(init);
    assert.equal(initArgs[0], "download");
    assert.equal(initArgs[1], flag(args, "--model"));
    assert.equal(flag(initArgs, "--dtype"), flag(args, "--dtype"));
    const allowed = new Set(["--dtype", "--cache-dir"]);
    for (const a of initArgs.slice(2)) if (a.startsWith("--")) assert.ok(allowed.has(a), `download ${a}`);
    assert.equal(init.image, server.image);
  });

  it("the HPA's queue metric is the one prometheus-adapter exposes", () => {
    const pods = hpa.spec.metrics.filter((m: Doc) => m.type === "Pods");
    assert.equal(pods.length, 1);
    const name = pods[0].pods.metric.name;
    const rule = adapter.rules.custom.find((r: Doc) => r.name.as === name);
    assert.ok(rule, `no prometheus-adapter rule exposes ${name}`);
    assert.match(rule.seriesQuery, new RegExp(`^${name}\\{`));
    assert.ok(hpa.spec.metrics.some((m: Doc) => m.type === "Resource" && m.resource.name === "cpu"));
    assert.ok(
      hpa.spec.minReplicas >= 2 && pdb.spec.maxUnavailable === 1,
      "a drain never takes the last replica",
    );
    assert.equal(deployment.spec.replicas, undefined, "the HPA owns the replica count");
  });
});

describe("deploy/kubernetes: the Deployment's own arguments on the real server", () => {
  const args = expandArgs(server);
  const env = containerEnv(server);
  const apiKey = "deploy-test-key";
  let hub: MockHub | undefined;
  let running: ServerProcess | undefined;
  let home: string;
  let hasDownload = false;

  before(async () => {
    home = mkdtempSync(join(tmpdir(), "rerankers-deploy-"));
    // The ConfigMap's Hub id is served by a local stand-in for the Hub, from the MiniLM-size fixture (it has the
    // q8 file the ConfigMap asks for).
    hub = await startMockHub({ repos: { [env.RERANKERS_MODEL]: fixturePath("minilm-l6-h384-random") } });
    const help = await runCli(["download", "--help"]);
    hasDownload = help.code === 0 && /Usage: rerankers download/.test(help.stdout);
  });
  after(async () => {
    await running?.stop();
    await hub?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("the init container's command fills the cache from the Hub (rerankers download)", async (t) => {
    if (!hasDownload) {
      t.skip("`rerankers download` is not in this build yet");
      return;
    }
    const r = await runCli(expandArgs(init), {
      env: {
        ...containerEnv(init),
        HF_HOME: join(home, "models"),
        HF_ENDPOINT: hub?.url,
        HF_TOKEN: undefined,
      },
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok((hub?.count("model_quantized.onnx") ?? 0) > 0, "the q8 file was fetched");
  });

  it("starts with the Deployment's args and env, answers the probes without a key, and exports the HPA's metric", async () => {
    const serveArgs = args.slice(1);
    // Bind loopback on a free port (the helper adds --port 0); without `download`, serve the fixture folder instead
    // of the Hub id (the pod's HF_HUB_OFFLINE=1 needs a filled cache).
    serveArgs[serveArgs.indexOf("--host") + 1] = "127.0.0.1";
    serveArgs.splice(serveArgs.indexOf("--port"), 2);
    if (!hasDownload) serveArgs[serveArgs.indexOf("--model") + 1] = fixturePath("minilm-l6-h384-random");
    running = await startServeProcess(serveArgs, {
      HF_HOME: join(home, "models"),
      HF_HUB_OFFLINE: env.HF_HUB_OFFLINE,
      HF_ENDPOINT: hub?.url,
      RERANKERS_API_KEY: apiKey,
    });
    const before = hub?.requests.length;

    const health = await fetch(`${running.url}${server.readinessProbe.httpGet.path}`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, "ok");

    assert.equal((await fetch(`${running.url}/metrics`)).status, 401, "/metrics needs the key");
    const metrics = await fetch(`${running.url}${podMonitor.spec.podMetricsEndpoints[0].path}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    assert.equal(metrics.status, 200);
    const text = await metrics.text();
    const name = hpa.spec.metrics.find((m: Doc) => m.type === "Pods").pods.metric.name;
    assert.match(text, new RegExp(`^# TYPE ${name} gauge$`, "m"));
    assert.match(text, new RegExp(`^${name} 0$`, "m"), "idle queue depth is 0");
    assert.equal(hub?.requests.length, before, "serving made no Hub request");
  });

  it("exits 0 on SIGTERM well within the time the pod gives it after preStop", async () => {
    assert.ok(running, "server started");
    const budget = podSpec.terminationGracePeriodSeconds - server.lifecycle.preStop.sleep.seconds;
    const t0 = Date.now();
    const code = await running.stop();
    running = undefined;
    assert.equal(code, 0);
    assert.ok((Date.now() - t0) / 1000 < budget, `stopped in ${Date.now() - t0} ms`);
  });
});
