// ecs-stack.ts - CrmEcsStack: the api behind an Application Load Balancer (HTTPS, /readyz,
// auto scaling on CPU and requests) and the worker, both ECS services on Fargate ARM64 in
// cluster `crm`, over the shared network, database, secrets and alarms; and the role
// deploy.yml assumes to roll them.
import {
  CfnOutput,
  Duration,
  Stack,
  StackProps,
  aws_certificatemanager as acm,
  aws_cloudwatch as cw,
  aws_ec2 as ec2,
  aws_elasticloadbalancingv2 as elbv2,
} from "aws-cdk-lib";
import { Construct } from "constructs";
import { GitHubDeployRole } from "./deploy-role";
import { crmFoundation } from "./foundation";
import { CrmSettings, readSettings } from "./settings";

/** The api's port in its container (the image's CRM_LISTEN). */
const API_PORT = 8080;
/** The ALB's idle timeout; crm must keep idle connections open longer (CRM_READ_TIMEOUT_S). */
const ALB_IDLE_TIMEOUT_S = 60;

export class CrmEcsStack extends Stack {
  readonly settings: CrmSettings;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const s = (this.settings = readSettings(this.node));
    const { network, db, crm, alarms } = crmFoundation(this, s, "crm ECS tasks");

    // the api task: behind the ALB, whose addresses are in the VPC: trust its X-Forwarded-For,
    // lift the per-address connection cap (every client arrives from the ALB's few addresses)
    // and outlive the ALB's idle connections, or a request can meet a connection crm just shut
    const api = crm.task({
      family: "crm-api",
      role: "api",
      command: ["serve"],
      cpu: s.apiCpu,
      memoryMiB: s.apiMemoryMiB,
      port: API_PORT,
      environment: {
        CRM_LISTEN: `0.0.0.0:${API_PORT}`,
        CRM_PUBLIC_URL: s.publicUrl,
        CRM_TRUSTED_PROXIES: network.vpc.vpcCidrBlock,
        CRM_MAX_CONNECTIONS_PER_IP: "0",
        CRM_READ_TIMEOUT_S: String(ALB_IDLE_TIMEOUT_S + 15),
        CRM_SHUTDOWN_TIMEOUT_S: String(s.shutdownTimeoutS),
        CRM_THREADS: String(s.apiThreads),
      },
    });
    const service = crm.service(this, "Api", "api", api, s.apiMinTasks, {
      healthCheckGracePeriod: Duration.seconds(30),
    });

    const albSg = new ec2.SecurityGroup(this, "AlbSecurityGroup", {
      vpc: network.vpc,
      description: "crm ALB: HTTPS and HTTP (redirected) from anywhere",
      allowAllOutbound: false,
    });
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), "HTTPS");
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), "HTTP, redirected to HTTPS");
    const alb = new elbv2.ApplicationLoadBalancer(this, "Alb", {
      loadBalancerName: "crm",
      vpc: network.vpc,
      internetFacing: true,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroup: albSg,
      idleTimeout: Duration.seconds(ALB_IDLE_TIMEOUT_S),
      dropInvalidHeaderFields: true,
    });
    const https = alb.addListener("Https", {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [acm.Certificate.fromCertificateArn(this, "Certificate", s.certificateArn)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
      open: false,
    });
    alb.addRedirect({
      sourcePort: 80,
      sourceProtocol: elbv2.ApplicationProtocol.HTTP,
      targetPort: 443,
      targetProtocol: elbv2.ApplicationProtocol.HTTPS,
      open: false,
    });
    // ECS deregisters a task, waits this long while its requests finish, then sends SIGTERM,
    // after which crm drains for up to CRM_SHUTDOWN_TIMEOUT_S (the container's stop timeout
    // is that plus 5 s)
    const targets = https.addTargets("Api", {
      port: API_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [service.loadBalancerTarget({ containerName: "crm", containerPort: API_PORT })],
      deregistrationDelay: Duration.seconds(s.shutdownTimeoutS + 5),
      healthCheck: {
        path: "/readyz",
        healthyHttpCodes: "200",
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });
    // /metrics stays inside: the ALB answers it itself (crm also asks for CRM_METRICS_TOKEN)
    https.addAction("NoMetrics", {
      priority: 10,
      conditions: [elbv2.ListenerCondition.pathPatterns(["/metrics"])],
      action: elbv2.ListenerAction.fixedResponse(404, {
        contentType: "text/plain",
        messageBody: "not found",
      }),
    });

    const scaling = service.autoScaleTaskCount({
      minCapacity: s.apiMinTasks,
      maxCapacity: s.apiMaxTasks,
    });
    scaling.scaleOnCpuUtilization("Cpu", {
      targetUtilizationPercent: 60,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });
    scaling.scaleOnRequestCount("Requests", {
      requestsPerTarget: s.apiRequestsPerTaskPerMinute,
      targetGroup: targets,
      scaleInCooldown: Duration.minutes(5),
      scaleOutCooldown: Duration.minutes(1),
    });

    const m = (name: string, statistic = "Sum") =>
      new cw.Metric({
        namespace: "AWS/ApplicationELB",
        metricName: name,
        dimensionsMap: { LoadBalancer: alb.loadBalancerFullName },
        statistic,
        period: Duration.minutes(5),
      });
    alarms.add(
      "Api5xxRate",
      new cw.MathExpression({
        expression: "100 * (FILL(target5xx, 0) + FILL(alb5xx, 0)) / FILL(requests, 1)",
        usingMetrics: {
          target5xx: m("HTTPCode_Target_5XX_Count"),
          alb5xx: m("HTTPCode_ELB_5XX_Count"),
          requests: m("RequestCount"),
        },
        label: "5xx % of requests",
        period: Duration.minutes(5),
      }),
      {
        threshold: s.alarm5xxPercent,
        evaluationPeriods: 2,
        alarmDescription: `Over ${s.alarm5xxPercent} % of requests answered 5xx for 10 minutes`,
      },
    );
    alarms.add(
      "ApiLatencyP99",
      targets.metrics.targetResponseTime({ statistic: "p99", period: Duration.minutes(5) }),
      {
        threshold: s.alarmP99LatencyS,
        evaluationPeriods: 3,
        alarmDescription: `p99 response time over ${s.alarmP99LatencyS} s for 15 minutes`,
      },
    );

    const deploy = new GitHubDeployRole(this, "Deploy", {
      settings: s,
      clusterName: "crm",
      serviceNames: ["api", "worker"],
      migrateFamily: "crm-migrate",
      passRoles: crm.passRoles(),
    });

    new CfnOutput(this, "LoadBalancerDnsName", {
      value: alb.loadBalancerDnsName,
      description: "point the clinic's DNS name (publicUrl) here, as a CNAME or alias",
    });
    new CfnOutput(this, "DeployRoleArn", {
      value: deploy.role.roleArn,
      description: "the GitHub environment's secret AWS_DEPLOY_ROLE_ARN",
    });
    new CfnOutput(this, "AlarmTopicArn", { value: alarms.topic.topicArn });
    new CfnOutput(this, "DatabaseEndpoint", { value: db.instance.dbInstanceEndpointAddress });
  }
}
