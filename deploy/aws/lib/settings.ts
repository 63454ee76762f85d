// settings.ts - the deployment's choices, read from CDK context (cdk.json, or `-c name=value`),
// each with the default that makes `cdk synth` work without an AWS account or network.
import { Node } from "constructs";

export interface CrmSettings {
  /** the crm image, e.g. docker.io/OWNER/crm:TAG (deploy.yml rolls new tags later) */
  image: string;
  /** ADOT collector image of the worker's metrics sidecar */
  collectorImage: string;
  /** AWS region (deploy.yml's AWS_REGION) and the two availability zones used */
  region: string;
  availabilityZones: string[];
  /** ARN of the ACM certificate of the ALB's HTTPS listener (ECS variant) */
  certificateArn: string;
  /** CRM_PUBLIC_URL: https://host the clinic's staff and Twilio reach */
  publicUrl: string;
  /** owner/name of the GitHub repository whose deploy workflow may assume the deploy role */
  githubRepository: string;
  /** the GitHub environment deploy.yml runs in (its `environment:`) */
  githubEnvironment: string;
  /** ARN of an existing GitHub OIDC provider in the account ("" makes one) */
  githubOidcProviderArn: string;
  /** RDS: Multi-AZ, days of automated backups (PITR window), storage in GiB */
  multiAz: boolean;
  backupRetentionDays: number;
  allocatedStorageGiB: number;
  maxAllocatedStorageGiB: number;
  /** CRM_SHUTDOWN_TIMEOUT_S of the api; the ALB's deregistration delay follows it */
  shutdownTimeoutS: number;
  /**
   * api tasks: size, auto scaling bounds and the request-count target (per task, per minute).
   * apiMinTasks=0 is the first deploy, before `crm migrate` has run: no api task (ECS), no App
   * Runner service.
   */
  apiCpu: number;
  apiMemoryMiB: number;
  apiMinTasks: number;
  apiMaxTasks: number;
  apiRequestsPerTaskPerMinute: number;
  apiThreads: number;
  /** worker tasks: 1, or 0 for the first deploy, before `crm migrate` has run */
  workerTasks: number;
  /** the worker task's size, and where its /healthz, /readyz and /metrics listen */
  workerCpu: number;
  workerMemoryMiB: number;
  workerListen: string;
  /** inject the SMTP and Twilio secrets (fill them first: docs/deploy.md) */
  smtp: boolean;
  smtpFrom: string;
  twilio: boolean;
  smsFrom: string;
  /** days CloudWatch keeps the containers' logs */
  logRetentionDays: number;
  /** an address to subscribe to the alarm topic ("" for none) */
  alarmEmail: string;
  /** alarm thresholds */
  alarmOutboxOldestDueS: number;
  alarmP99LatencyS: number;
  alarm5xxPercent: number;
}

const DEFAULTS: CrmSettings = {
  image: "docker.io/example/crm:latest",
  collectorImage: "public.ecr.aws/aws-observability/aws-otel-collector:v0.45.1",
  region: "eu-west-2",
  availabilityZones: ["eu-west-2a", "eu-west-2b"],
  certificateArn:
    "arn:aws:acm:eu-west-2:111111111111:certificate/00000000-0000-0000-0000-000000000000",
  publicUrl: "https://crm.example.com",
  githubRepository: "example/crm",
  githubEnvironment: "production",
  githubOidcProviderArn: "",
  multiAz: false,
  backupRetentionDays: 7,
  allocatedStorageGiB: 20,
  maxAllocatedStorageGiB: 100,
  shutdownTimeoutS: 10,
  apiCpu: 256,
  apiMemoryMiB: 512,
  apiMinTasks: 1,
  apiMaxTasks: 4,
  apiRequestsPerTaskPerMinute: 3000,
  apiThreads: 8,
  workerTasks: 1,
  workerCpu: 256,
  workerMemoryMiB: 512,
  workerListen: "0.0.0.0:8081",
  smtp: false,
  smtpFrom: "",
  twilio: false,
  smsFrom: "",
  logRetentionDays: 30,
  alarmEmail: "",
  alarmOutboxOldestDueS: 900,
  alarmP99LatencyS: 1,
  alarm5xxPercent: 5,
};

/** Context values arrive as strings from `-c name=value` and as JSON values from cdk.json. */
function coerce(name: string, raw: unknown, def: unknown): unknown {
  if (typeof def === "number") {
    const n = typeof raw === "number" ? raw : Number(raw);
    if (!Number.isFinite(n)) throw new Error(`context ${name}: not a number: ${String(raw)}`);
    return n;
  }
  if (typeof def === "boolean") {
    if (typeof raw === "boolean") return raw;
    if (raw === "true" || raw === "1") return true;
    if (raw === "false" || raw === "0") return false;
    throw new Error(`context ${name}: true or false, not ${String(raw)}`);
  }
  if (Array.isArray(def)) {
    return Array.isArray(raw) ? raw.map(String) : String(raw).split(",").map((s) => s.trim());
  }
  return String(raw);
}

export function readSettings(node: Node): CrmSettings {
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(DEFAULTS)) {
    const raw = node.tryGetContext(name);
    out[name] = raw === undefined ? def : coerce(name, raw, def);
  }
  const s = out as unknown as CrmSettings;
  if (s.availabilityZones.length !== 2) throw new Error("context availabilityZones: two zones");
  if (!/^https:\/\/[^/]+$/.test(s.publicUrl)) {
    throw new Error("context publicUrl: https://host, no path (CRM_PUBLIC_URL)");
  }
  if (!/^[\w.-]+\/[\w.-]+$/.test(s.githubRepository)) {
    throw new Error("context githubRepository: owner/name");
  }
  if (s.apiMaxTasks < Math.max(1, s.apiMinTasks)) throw new Error("context apiMaxTasks < apiMinTasks");
  if (s.smtp && !s.smtpFrom) throw new Error("context smtp=true needs smtpFrom (CRM_SMTP_FROM)");
  return s;
}
