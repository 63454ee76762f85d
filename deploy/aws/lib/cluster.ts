// cluster.ts - the ECS side both variants share: the cluster `crm`, the Fargate (ARM64) task
// definitions built one way (container `crm` first, the image's user 10001, read-only root
// filesystem, secrets only as ECS secrets, JSON-lines logs in CloudWatch), the migration task
// `crm-migrate` and the delivery worker `worker` with its metrics sidecar.
import {
  Duration,
  RemovalPolicy,
  Size,
  aws_ec2 as ec2,
  aws_ecs as ecs,
  aws_iam as iam,
  aws_logs as logs,
} from "aws-cdk-lib";
import { Construct } from "constructs";
import { CrmNetwork } from "./network";
import { CrmSecrets, SecretRole } from "./secrets";
import { CrmSettings } from "./settings";

/** The uid the image's `crm` user has (Dockerfile: useradd --uid 10001). */
export const CRM_UID = "10001";

/** The namespace, name and dimension the worker's outbox age reaches CloudWatch under. */
export const OUTBOX_METRIC = {
  namespace: "CRM",
  name: "crm_outbox_oldest_due_seconds",
  dimensions: { Service: "crm-worker" },
};

/**
 * The email and SMS settings that are not secrets. A channel not set up yet writes its files
 * (docs/messaging.md) into memory (/dev/shm, lost with the task) where the root filesystem is
 * read-only.
 */
export function channelEnvironment(s: CrmSettings, readOnlyRoot: boolean): Record<string, string> {
  const env: Record<string, string> = {};
  if (s.smtp) env.CRM_SMTP_FROM = s.smtpFrom;
  else if (readOnlyRoot) env.CRM_MAIL_DIR = "/dev/shm/crm-mail";
  if (!s.twilio && readOnlyRoot) env.CRM_SMS_LOG = "/dev/shm/crm-sms.log";
  if (s.smsFrom) env.CRM_SMS_FROM = s.smsFrom;
  return env;
}

export interface CrmTaskProps {
  family: string;
  role: SecretRole;
  command: string[];
  cpu: number;
  memoryMiB: number;
  environment?: Record<string, string>;
  /** the port crm listens on, for a port mapping and the container health check */
  port?: number;
}

export interface CrmTask {
  definition: ecs.FargateTaskDefinition;
  container: ecs.ContainerDefinition;
  logGroup: logs.LogGroup;
}

export class CrmCluster extends Construct {
  readonly cluster: ecs.Cluster;
  readonly migrate: CrmTask;
  readonly worker: CrmTask;
  readonly workerService: ecs.FargateService;
  readonly tasks: CrmTask[] = [];
  private readonly settings: CrmSettings;
  private readonly secrets: CrmSecrets;
  private readonly network: CrmNetwork;

  constructor(
    scope: Construct,
    id: string,
    network: CrmNetwork,
    secrets: CrmSecrets,
    settings: CrmSettings,
  ) {
    super(scope, id);
    this.settings = settings;
    this.secrets = secrets;
    this.network = network;
    this.cluster = new ecs.Cluster(this, "Cluster", {
      clusterName: "crm",
      vpc: network.vpc,
      containerInsightsV2: ecs.ContainerInsights.DISABLED,
    });

    this.migrate = this.task({
      family: "crm-migrate",
      role: "migrate",
      command: ["migrate"],
      cpu: 256,
      memoryMiB: 512,
    });

    const workerPort = Number(settings.workerListen.split(":").pop());
    this.worker = this.task({
      family: "crm-worker",
      role: "worker",
      command: ["worker"],
      cpu: settings.workerCpu,
      memoryMiB: settings.workerMemoryMiB,
      environment: { CRM_LISTEN: settings.workerListen, CRM_PUBLIC_URL: settings.publicUrl },
      port: workerPort,
    });
    this.addMetricsSidecar(this.worker, workerPort);
    this.workerService = this.service(this, "Worker", "worker", this.worker, settings.workerTasks);
  }

  /**
   * A service of this cluster, the house way: public subnets with an address (no NAT), the
   * tasks' security group, a rolling deploy that never drops below the desired count, and the
   * circuit breaker rolling a failed deployment back. scope and id keep each service's logical id.
   */
  service(
    scope: Construct,
    id: string,
    name: string,
    task: CrmTask,
    desiredCount: number,
    extra: Partial<ecs.FargateServiceProps> = {},
  ): ecs.FargateService {
    return new ecs.FargateService(scope, id, {
      serviceName: name,
      cluster: this.cluster,
      taskDefinition: task.definition,
      desiredCount,
      assignPublicIp: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [this.network.tasks],
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      ...extra,
    });
  }

  /** A Fargate ARM64 task definition with its one crm container, the house way. */
  task(props: CrmTaskProps): CrmTask {
    const s = this.settings;
    const definition = new ecs.FargateTaskDefinition(this, `${props.family}-task`, {
      family: props.family,
      cpu: props.cpu,
      memoryLimitMiB: props.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const logGroup = new logs.LogGroup(this, `${props.family}-logs`, {
      logGroupName: `/crm/${props.family.replace(/^crm-/, "")}`,
      retention: s.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const environment: Record<string, string> = {
      CRM_LOG_LEVEL: "info",
      ...(props.role === "migrate" ? {} : channelEnvironment(s, true)),
      ...props.environment,
    };
    const secrets: Record<string, ecs.Secret> = {};
    for (const use of this.secrets.for(props.role)) {
      secrets[use.env] = ecs.Secret.fromSecretsManager(use.secret);
    }
    const container = definition.addContainer("crm", {
      containerName: "crm",
      image: ecs.ContainerImage.fromRegistry(s.image),
      command: props.command,
      user: CRM_UID,
      readonlyRootFilesystem: true,
      environment,
      secrets,
      essential: true,
      stopTimeout: Duration.seconds(s.shutdownTimeoutS + 5),
      logging: ecs.LogDrivers.awsLogs({
        logGroup,
        streamPrefix: props.family,
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(4),
      }),
      portMappings: props.port ? [{ containerPort: props.port }] : undefined,
      healthCheck: props.port
        ? {
            command: ["CMD", "crm", "healthcheck"],
            interval: Duration.seconds(10),
            timeout: Duration.seconds(3),
            retries: 3,
            startPeriod: Duration.seconds(10),
          }
        : undefined,
    });
    const task = { definition, container, logGroup };
    this.tasks.push(task);
    return task;
  }

  /**
   * crm_outbox_oldest_due_seconds lives only on the worker's /metrics: the ADOT collector,
   * beside it in the task, scrapes it every minute and writes it (and the queue depth) to
   * CloudWatch as embedded metric format lines, which become the metrics CRM/... with the
   * dimension Service=crm-worker. Not essential: if it stops, the worker goes on and the alarm
   * sees missing data.
   */
  private addMetricsSidecar(worker: CrmTask, port: number): void {
    const s = this.settings;
    const logGroupName = "/crm/worker-metrics";
    const logGroup = new logs.LogGroup(this, "worker-metrics-logs", {
      logGroupName,
      retention: logs.RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const config = [
      "receivers:",
      "  prometheus:",
      "    config:",
      "      scrape_configs:",
      "        - job_name: crm-worker",
      "          scrape_interval: 60s",
      "          static_configs:",
      `            - targets: ["127.0.0.1:${port}"]`,
      `              labels: {Service: ${OUTBOX_METRIC.dimensions.Service}}`,
      "          metric_relabel_configs:",
      "            - source_labels: [__name__]",
      "              regex: crm_outbox_(oldest_due_seconds|queue_depth)",
      "              action: keep",
      "exporters:",
      "  awsemf:",
      `    region: ${s.region}`,
      `    namespace: ${OUTBOX_METRIC.namespace}`,
      `    log_group_name: ${logGroupName}`,
      "    log_stream_name: worker",
      "    dimension_rollup_option: NoDimensionRollup",
      "    metric_declarations:",
      "      - dimensions: [[Service]]",
      "        metric_name_selectors:",
      `          - "^${OUTBOX_METRIC.name}"`,
      '          - "^crm_outbox_queue_depth"',
      "service:",
      "  pipelines:",
      "    metrics:",
      "      receivers: [prometheus]",
      "      exporters: [awsemf]",
      "",
    ].join("\n");
    worker.definition.addContainer("metrics", {
      containerName: "metrics",
      image: ecs.ContainerImage.fromRegistry(s.collectorImage),
      essential: false,
      user: CRM_UID,
      readonlyRootFilesystem: true,
      memoryReservationMiB: 64,
      environment: { AOT_CONFIG_CONTENT: config },
      logging: ecs.LogDrivers.awsLogs({
        logGroup: worker.logGroup,
        streamPrefix: "metrics",
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      }),
    });
    logGroup.grantWrite(worker.definition.taskRole);
    worker.definition.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["logs:DescribeLogStreams"],
        resources: [logGroup.logGroupArn],
      }),
    );
  }

  /** The roles deploy.yml's copies of the task definitions pass to ECS. */
  passRoles(): iam.IRole[] {
    const roles: iam.IRole[] = [];
    for (const t of this.tasks) {
      roles.push(t.definition.taskRole, t.definition.obtainExecutionRole());
    }
    return roles;
  }
}
