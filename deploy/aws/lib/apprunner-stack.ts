// apprunner-stack.ts - CrmAppRunnerStack, the cheapest MVP: the api as an App Runner service
// (HTTPS and scaling by App Runner, no load balancer to pay for) reaching RDS through a VPC
// connector, over the same network, database, secrets and alarms as CrmEcsStack. App Runner
// throttles an instance's CPU between requests, so the delivery worker, which works without
// any, runs as the same small Fargate service `worker` as in CrmEcsStack; `crm migrate` and
// `crm tenant create` run as one-off tasks of crm-migrate there too (docs/deploy.md).
import * as path from "node:path";
import {
  CfnOutput,
  Duration,
  Stack,
  StackProps,
  aws_apprunner as apprunner,
  aws_cloudwatch as cw,
  aws_ec2 as ec2,
  aws_ecr_assets as ecrAssets,
  aws_iam as iam,
} from "aws-cdk-lib";
import { Construct } from "constructs";
import { CrmAlarms } from "./alarms";
import { channelEnvironment } from "./cluster";
import { crmFoundation } from "./foundation";
import { CrmDatabase } from "./database";
import { CrmNetwork } from "./network";
import { CrmSecrets } from "./secrets";
import { CrmSettings, readSettings } from "./settings";

/**
 * App Runner's proxies connect from addresses it does not publish; no client can reach the
 * instances but through them, so the private ranges are trusted for X-Forwarded-For.
 */
const APP_RUNNER_PROXIES = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,169.254.0.0/16";

export class CrmAppRunnerStack extends Stack {
  readonly settings: CrmSettings;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const s = (this.settings = readSettings(this.node));
    const { network, db, secrets, alarms } = crmFoundation(
      this,
      s,
      "crm ECS tasks (worker, migrate)",
    );

    if (s.apiMinTasks > 0) this.api(network, db, secrets, alarms);
    new CfnOutput(this, "AlarmTopicArn", { value: alarms.topic.topicArn });
    new CfnOutput(this, "DatabaseEndpoint", { value: db.instance.dbInstanceEndpointAddress });
  }

  /** The api as an App Runner service (left out while apiMinTasks is 0: the first deploy). */
  private api(network: CrmNetwork, db: CrmDatabase, secrets: CrmSecrets, alarms: CrmAlarms): void {
    const s = this.settings;
    const connectorSg = new ec2.SecurityGroup(this, "ConnectorSecurityGroup", {
      vpc: network.vpc,
      description: "crm App Runner VPC connector: out to the database only",
      allowAllOutbound: false,
    });
    connectorSg.addEgressRule(db.securityGroup, ec2.Port.tcp(5432), "crm PostgreSQL");
    db.allowFrom(connectorSg, "crm App Runner api");
    const connector = new apprunner.CfnVpcConnector(this, "Connector", {
      vpcConnectorName: "crm-api",
      subnets: network.vpc.isolatedSubnets.map((sn) => sn.subnetId),
      securityGroups: [connectorSg.securityGroupId],
    });

    // App Runner pulls from ECR only: the released image is rebuilt FROM Docker Hub for amd64
    // and pushed to the CDK asset repository at deploy time
    const image = new ecrAssets.DockerImageAsset(this, "ApiImage", {
      directory: path.join(__dirname, "..", "..", "image"),
      buildArgs: { CRM_IMAGE: s.image },
      platform: ecrAssets.Platform.LINUX_AMD64,
    });
    const accessRole = new iam.Role(this, "AccessRole", {
      assumedBy: new iam.ServicePrincipal("build.apprunner.amazonaws.com"),
      description: "App Runner pulls the crm api image",
    });
    image.repository.grantPull(accessRole);
    const instanceRole = new iam.Role(this, "InstanceRole", {
      assumedBy: new iam.ServicePrincipal("tasks.apprunner.amazonaws.com"),
      description: "the crm api's App Runner instances: read their secrets",
    });
    const apiSecrets = secrets.for("api");
    for (const use of apiSecrets) use.secret.grantRead(instanceRole);

    const scaling = new apprunner.CfnAutoScalingConfiguration(this, "Scaling", {
      autoScalingConfigurationName: "crm-api",
      minSize: s.apiMinTasks,
      maxSize: s.apiMaxTasks,
      maxConcurrency: 100,
    });
    const environment: Record<string, string> = {
      CRM_LOG_LEVEL: "info",
      ...channelEnvironment(s, false),
      CRM_LISTEN: "0.0.0.0:8080",
      CRM_PUBLIC_URL: s.publicUrl,
      CRM_TRUSTED_PROXIES: APP_RUNNER_PROXIES,
      CRM_MAX_CONNECTIONS_PER_IP: "0",
      CRM_SHUTDOWN_TIMEOUT_S: String(s.shutdownTimeoutS),
      CRM_THREADS: String(s.apiThreads),
    };
    const service = new apprunner.CfnService(this, "Api", {
      serviceName: "crm-api",
      sourceConfiguration: {
        autoDeploymentsEnabled: false,
        authenticationConfiguration: { accessRoleArn: accessRole.roleArn },
        imageRepository: {
          imageRepositoryType: "ECR",
          imageIdentifier: image.imageUri,
          imageConfiguration: {
            port: "8080",
            runtimeEnvironmentVariables: Object.entries(environment).map(([name, value]) => ({
              name,
              value,
            })),
            runtimeEnvironmentSecrets: apiSecrets.map((u) => ({
              name: u.env,
              value: u.secret.secretArn,
            })),
          },
        },
      },
      instanceConfiguration: {
        cpu: "0.25 vCPU",
        memory: "0.5 GB",
        instanceRoleArn: instanceRole.roleArn,
      },
      healthCheckConfiguration: {
        protocol: "HTTP",
        path: "/readyz",
        interval: 10,
        timeout: 5,
        healthyThreshold: 1,
        unhealthyThreshold: 3,
      },
      networkConfiguration: {
        egressConfiguration: { egressType: "VPC", vpcConnectorArn: connector.attrVpcConnectorArn },
        ingressConfiguration: { isPubliclyAccessible: true },
      },
      autoScalingConfigurationArn: scaling.attrAutoScalingConfigurationArn,
    });
    // the roles' policies must exist before App Runner first pulls and starts the image
    service.node.addDependency(accessRole, instanceRole);

    const m = (name: string, statistic: string) =>
      new cw.Metric({
        namespace: "AWS/AppRunner",
        metricName: name,
        dimensionsMap: { ServiceName: "crm-api", ServiceID: service.attrServiceId },
        statistic,
        period: Duration.minutes(5),
      });
    alarms.add(
      "Api5xxRate",
      new cw.MathExpression({
        expression: "100 * FILL(errors, 0) / FILL(requests, 1)",
        usingMetrics: { errors: m("5xxStatusResponses", "Sum"), requests: m("Requests", "Sum") },
        label: "5xx % of requests",
        period: Duration.minutes(5),
      }),
      {
        threshold: s.alarm5xxPercent,
        evaluationPeriods: 2,
        alarmDescription: `Over ${s.alarm5xxPercent} % of requests answered 5xx for 10 minutes`,
      },
    );
    alarms.add("ApiLatencyP99", m("RequestLatency", "p99"), {
      // App Runner reports milliseconds
      threshold: s.alarmP99LatencyS * 1000,
      evaluationPeriods: 3,
      alarmDescription: `p99 response time over ${s.alarmP99LatencyS} s for 15 minutes`,
    });

    new CfnOutput(this, "ServiceUrl", {
      value: `https://${service.attrServiceUrl}`,
      description: "the api's App Runner address (link a custom domain to it: docs/deploy.md)",
    });
  }
}
