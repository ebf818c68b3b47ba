// Static checks of the deployment artifacts (k8s/, docker/): the invariants a review would check by
// hand, plus one real build into a scratch folder to prove every command names a file it produces.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const ROOT = path.resolve(__dirname, '../../..');
const K8S = path.join(ROOT, 'k8s');
const IMAGE = 'fhirlake';
const APPS = ['api-gateway', 'job-coordinator', 'importer', 'exporter'] as const;

interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  resources?: { requests?: { cpu?: string; memory?: string }; limits?: { cpu?: string; memory?: string } };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  securityContext?: { allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
  envFrom?: { configMapRef?: { name: string } }[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
}
interface PodSpec {
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; seccompProfile?: { type: string } };
  containers: Container[];
  volumes?: { name: string; emptyDir?: object }[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  spec?: {
    replicas?: number;
    template?: PodTemplate;
    selector?: { matchLabels?: Record<string, string> } & Record<string, string>;
    ports?: { port: number; targetPort: string | number }[];
    scaleTargetRef?: { kind: string; name: string };
    minReplicas?: number;
    maxReplicas?: number;
    podSelector?: { matchLabels?: Record<string, string> };
    policyTypes?: string[];
    ingress?: unknown[];
    egress?: unknown[];
  };
  data?: Record<string, string>;
}
interface Kustomization {
  namespace: string;
  resources: string[];
  images: { name: string; newName?: string; newTag?: string }[];
}
interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  container_name?: string;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { disable?: boolean };
  stop_grace_period?: string;
}

const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

function loadYamlDocuments(file: string): unknown[] {
  return parseAllDocuments(read(file)).map((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as unknown;
  });
}

const kustomization = parse(read('k8s/kustomization.yaml')) as Kustomization;
const objects: K8sObject[] = kustomization.resources.flatMap((file) => loadYamlDocuments(`k8s/${file}`) as K8sObject[]);
const ofKind = (kind: string): K8sObject[] => objects.filter((o) => o.kind === kind);
const named = (kind: string, name: string): K8sObject => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
};
const template = (o: K8sObject): PodTemplate => {
  if (!o.spec?.template) throw new Error(`${o.kind} ${o.metadata.name} has no pod template`);
  return o.spec.template;
};
const workloads = (): K8sObject[] => [...ofKind('Deployment'), ...ofKind('Job')];
const matches = (selector: Record<string, string> | undefined, labels: Record<string, string>): boolean =>
  selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The file an `args`/`command` (`node <file>`) runs, relative to the image's /app. */
function scriptOf(argv: readonly string[] | undefined): string {
  if (!argv || argv[0] !== 'node' || !argv[1]) throw new Error(`not a node command: ${JSON.stringify(argv)}`);
  return argv[1];
}

describe('k8s/ (kustomize)', () => {
  it('lists every manifest in kustomization.yaml, and only existing ones', () => {
    const onDisk = readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(onDisk.sort());
    expect(kustomization.namespace).toBe('fhirlake');
  });

  it('parses into named objects in one namespace, with no Secret (those are created out of band)', () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const o of objects) {
      expect(o.apiVersion && o.kind && o.metadata.name).toBeTruthy();
      expect([undefined, 'fhirlake']).toContain(o.metadata.namespace);
    }
    expect(ofKind('Secret')).toEqual([]);
    expect(named('Namespace', 'fhirlake').metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('pins one image, by kustomize name, with a release tag', () => {
    const [image, ...others] = kustomization.images;
    expect(others).toEqual([]);
    expect(image?.name).toBe(IMAGE);
    expect(image?.newTag).toMatch(/^\d+\.\d+\.\d+/);
    for (const w of workloads()) for (const c of template(w).spec.containers) expect(c.image).toBe(IMAGE);
  });

  it('runs every app and the migration from the image entry point (args, so tini stays PID 1)', () => {
    for (const app of APPS) {
      const [container] = template(named('Deployment', app)).spec.containers;
      expect(container?.command).toBeUndefined();
      expect(scriptOf(container?.args)).toBe(`dist/apps/${app}/src/main.js`);
    }
    const [migrate] = template(named('Job', 'fhirlake-migrate')).spec.containers;
    expect(migrate?.command).toBeUndefined();
    expect(scriptOf(migrate?.args)).toBe('dist/scripts/migrate.js');
  });

  it.each(['Deployment', 'Job'])('gives every %s resources and a locked-down, non-root security context', (kind) => {
    for (const w of ofKind(kind)) {
      const pod = template(w).spec;
      expect(pod.securityContext?.runAsNonRoot).toBe(true);
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(pod.securityContext?.seccompProfile?.type).toBe('RuntimeDefault');
      const tmpVolume = pod.volumes?.find((v) => v.name === 'tmp');
      expect(tmpVolume?.emptyDir).toBeDefined();
      for (const c of pod.containers) {
        expect(c.resources?.requests?.cpu).toBeTruthy();
        expect(c.resources?.requests?.memory).toBeTruthy();
        expect(c.resources?.limits?.memory).toBeTruthy();
        expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
        expect(c.envFrom).toContainEqual({ configMapRef: { name: 'fhirlake-config' } });
        // Connection strings come from the Secret, never the ConfigMap.
        expect(c.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef?.name).toBe('fhirlake-secrets');
      }
    }
  });

  it('probes /health on HTTP containers only', () => {
    for (const d of ofKind('Deployment')) {
      for (const c of template(d).spec.containers) {
        if (c.ports?.length) {
          for (const probe of [c.readinessProbe, c.livenessProbe]) {
            expect(probe?.httpGet?.path).toBe('/health');
            expect(c.ports.some((p) => p.name === probe?.httpGet?.port || p.containerPort === probe?.httpGet?.port)).toBe(true);
          }
        } else {
          expect(c.readinessProbe?.httpGet).toBeUndefined();
          expect(c.livenessProbe?.httpGet).toBeUndefined();
        }
      }
    }
  });

  it('exposes the gateway on container port 8080 through its Service', () => {
    const service = named('Service', 'api-gateway');
    const gateway = template(named('Deployment', 'api-gateway'));
    expect(matches(service.spec?.selector, gateway.metadata.labels)).toBe(true);
    const [port] = service.spec?.ports ?? [];
    const target = gateway.spec.containers[0]?.ports?.find((p) => p.name === port?.targetPort || p.containerPort === port?.targetPort);
    expect(target?.containerPort).toBe(8080);
  });

  it('sizes the apps: 3 gateways, 2 coordinators, worker pools autoscaled from 2 to 10', () => {
    expect(named('Deployment', 'api-gateway').spec?.replicas).toBe(3);
    expect(named('Deployment', 'job-coordinator').spec?.replicas).toBe(2);
    const hpas = ofKind('HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.spec?.scaleTargetRef?.name).sort()).toEqual(['exporter', 'importer']);
    for (const hpa of hpas) {
      const target = named('Deployment', hpa.spec?.scaleTargetRef?.name ?? '');
      expect(hpa.spec?.scaleTargetRef?.kind).toBe('Deployment');
      expect([hpa.spec?.minReplicas, hpa.spec?.maxReplicas]).toEqual([2, 10]);
      // A replicas field would reset the HPA's count on every apply.
      expect(target.spec?.replicas).toBeUndefined();
      expect(template(target).spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
    }
  });

  it('gives every Deployment a PodDisruptionBudget and its own ServiceAccount', () => {
    const pdbs = ofKind('PodDisruptionBudget');
    const accounts = new Set(ofKind('ServiceAccount').map((s) => s.metadata.name));
    for (const w of workloads()) {
      const pod = template(w);
      if (w.kind === 'Deployment') expect(pdbs.filter((p) => matches(p.spec?.selector?.matchLabels, pod.metadata.labels))).toHaveLength(1);
      expect(accounts.has(pod.spec.serviceAccountName ?? '')).toBe(true);
    }
    const sharedAccounts = workloads().map((w) => template(w).spec.serviceAccountName);
    expect(new Set(sharedAccounts).size).toBe(sharedAccounts.length);
    for (const app of ['api-gateway', 'importer', 'exporter']) {
      expect(named('ServiceAccount', `fhirlake-${app}`).metadata.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\//);
    }
  });

  it('denies all traffic by default and selects every pod with its own NetworkPolicy', () => {
    const policies = ofKind('NetworkPolicy');
    const denyAll = named('NetworkPolicy', 'default-deny-all');
    expect(denyAll.spec?.podSelector).toEqual({});
    expect(denyAll.spec?.policyTypes?.sort()).toEqual(['Egress', 'Ingress']);
    expect(denyAll.spec?.ingress).toBeUndefined();
    expect(denyAll.spec?.egress).toBeUndefined();
    for (const w of workloads()) {
      const labels = template(w).metadata.labels;
      expect(policies.filter((p) => matches(p.spec?.podSelector?.matchLabels, labels))).toHaveLength(1);
    }
  });

  it('labels the migration Job and all it needs for the pre-rollout step', () => {
    const preRollout = (o: K8sObject): boolean => o.metadata.labels?.['fhirlake.io/stage'] === 'pre-rollout';
    const job = named('Job', 'fhirlake-migrate');
    const needed = [job, named('Namespace', 'fhirlake'), named('ConfigMap', 'fhirlake-config'), named('ServiceAccount', 'fhirlake-migrate')];
    needed.push(...ofKind('NetworkPolicy').filter((p) => !p.spec?.podSelector?.matchLabels || matches(p.spec.podSelector.matchLabels, template(job).metadata.labels)));
    for (const o of needed) expect(`${o.kind}/${o.metadata.name}: ${preRollout(o)}`).toBe(`${o.kind}/${o.metadata.name}: true`);
    // Nothing else, or the first step would start the apps before the schema is migrated.
    expect(objects.filter(preRollout).filter((o) => ['Deployment', 'Service', 'HorizontalPodAutoscaler'].includes(o.kind))).toEqual([]);
  });

  it('keeps connection strings out of the ConfigMap', () => {
    const data = named('ConfigMap', 'fhirlake-config').data ?? {};
    expect(Object.keys(data)).not.toEqual(expect.arrayContaining(['DATABASE_URL']));
    expect(Object.keys(data)).not.toEqual(expect.arrayContaining(['REDIS_URL']));
    for (const value of Object.values(data)) expect(typeof value).toBe('string');
  });
});

describe('docker/compose.yaml', () => {
  const compose = parse(read('docker/compose.yaml'), { merge: true }) as { services: Record<string, ComposeService> };
  const { services } = compose;

  it('runs the backing services, a migration one-shot and the four apps from one image', () => {
    expect(Object.keys(services).sort()).toEqual([...APPS, 'migrate', 'moto', 'postgres', 'redis'].sort());
    const images = new Set([...APPS, 'migrate'].map((s) => services[s]?.image));
    expect(images.size).toBe(1);
    for (const s of [...APPS, 'migrate']) expect(services[s]?.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
    expect(scriptOf(services['migrate']?.command)).toBe('dist/scripts/migrate.js');
    for (const app of APPS) {
      expect(scriptOf(services[app]?.command)).toBe(`dist/apps/${app}/src/main.js`);
      expect(services[app]?.depends_on?.['migrate']).toEqual({ condition: 'service_completed_successfully' });
    }
  });

  it('keeps the workers scalable (no fixed name or host port) and without the gateway health check', () => {
    for (const worker of ['job-coordinator', 'importer', 'exporter']) {
      expect(services[worker]?.container_name).toBeUndefined();
      expect(services[worker]?.ports).toBeUndefined();
      expect(services[worker]?.healthcheck?.disable).toBe(true);
    }
    expect(services['importer']?.stop_grace_period).toBe('60s');
  });
});

describe('docker/Dockerfile', () => {
  const dockerfile = read('docker/Dockerfile').replace(/\\\n/g, ' ');
  const instructions = dockerfile
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages = instructions.filter((l) => /^FROM /i.test(l));
  const finalStage = instructions.slice(instructions.lastIndexOf(stages[stages.length - 1] ?? ''));

  it('builds on Node 24 (the version CI runs)', () => {
    const nodeImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] ?? '';
    expect(nodeImage).toMatch(/^node:24(\.\d+)*-[a-z]+-slim$/);
    const pinned = (JSON.parse(read('package.json')) as { devDependencies: Record<string, string> }).devDependencies['node'];
    expect(pinned).toMatch(/^\^?24\./);
    for (const from of stages) expect(from).toMatch(/^FROM (\$\{NODE_IMAGE\}|base|build|prod-deps)( AS [a-z-]+)?$/);
  });

  it('copies every npm workspace manifest before npm ci', () => {
    const workspaces = ['apps', 'libs'].flatMap((dir) => readdirSync(path.join(ROOT, dir)).filter((name) => existsSync(path.join(ROOT, dir, name, 'package.json'))).map((name) => `${dir}/${name}`));
    for (const ws of workspaces) expect(instructions).toContain(`COPY ${ws}/package.json ${ws}/`);
  });

  it('runs as a numeric non-root user with tini, NODE_ENV=production and a gateway HEALTHCHECK', () => {
    const user = finalStage.filter((l) => l.startsWith('USER ')).pop();
    expect(user).toMatch(/^USER [1-9]\d*(:[1-9]\d*)?$/);
    expect(finalStage.join('\n')).toMatch(/^ENV NODE_ENV=production/m);
    expect(finalStage).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
    expect(finalStage.find((l) => l.startsWith('HEALTHCHECK '))).toContain('/health');
    expect(finalStage.find((l) => l.startsWith('CMD '))).toBe('CMD ["node", "dist/apps/api-gateway/src/main.js"]');
  });

  it('keeps dependencies, build output and secrets out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['**/node_modules', 'dist', '.git', '.venv', 'libs/persistence/src/generated', '**/.env']) expect(ignored).toContain(entry);
  });
});

describe('build output', () => {
  const outDir = path.join(ROOT, 'tmp', `deploy-artifacts-${process.pid}`);
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('contains every file the image, compose and Kubernetes run, and the migrations', () => {
    const build = spawnSync(process.execPath, ['-r', '@swc-node/register', 'scripts/build.ts', '--out-dir', outDir], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
      timeout: 120_000,
    });
    // Warnings (stderr) are fine; a failure shows the build's own message.
    expect({ status: build.status, stderr: build.status === 0 ? '' : build.stderr }).toEqual({ status: 0, stderr: '' });
    const cmd = /^CMD \["node", "([^"]+)"\]$/m.exec(read('docker/Dockerfile'))?.[1] ?? '';
    const compose = parse(read('docker/compose.yaml'), { merge: true }) as { services: Record<string, ComposeService> };
    const commands = [
      cmd,
      ...Object.values(compose.services).flatMap((s) => (s.command ? [scriptOf(s.command)] : [])),
      ...workloads().flatMap((w) => template(w).spec.containers.map((c) => scriptOf(c.args))),
    ];
    for (const script of new Set(commands)) expect(`${script}: ${existsSync(path.join(outDir, script.replace(/^dist\//, '')))}`).toBe(`${script}: true`);
    for (const migration of readdirSync(path.join(ROOT, 'prisma/migrations')).filter((m) => !m.endsWith('.toml'))) {
      expect(existsSync(path.join(outDir, 'prisma/migrations', migration, 'migration.sql'))).toBe(true);
    }
    expect(existsSync(path.join(outDir, 'libs/persistence/src/generated/prisma/client.js'))).toBe(true);
    expect(existsSync(path.join(outDir, 'libs/testing'))).toBe(false);
  });
});
