// stacks.test.ts - what the two stacks' CloudFormation templates must hold, checked with the CDK
// assertions library on the synthesized templates (`npm test`, run by make test).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, test } from "node:test";
import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { CrmAppRunnerStack } from "../lib/apprunner-stack";
import { CrmEcsStack } from "../lib/ecs-stack";

const ROOT = path.join(__dirname, "..", "..", "..", "..");
const SECRET_LOOKING = /KEY|SECRET|PASSWORD|TOKEN|DATABASE_URL/;
const CONTEXT = {
  image: "docker.io/owner/crm:1.2.3",
  certificateArn: "arn:aws:acm:eu-west-2:123456789012:certificate/abc",
  publicUrl: "https://crm.clinic.example",
  githubRepository: "owner/crm",
  smtp: "true",
  smtpFrom: "noreply@clinic.example",
  twilio: "true",
  smsFrom: "+447700900123",
};

type Json = Record<string, any>;

function synth(extra: Record<string, string> = {}): { ecs: Template; appRunner: Template } {
  const app = new App({ context: { ...CONTEXT, ...extra } });
  const env = { account: "123456789012", region: "eu-west-2" };
  // both stacks first: the app synthesizes once
  const ecsStack = new CrmEcsStack(app, "CrmEcsStack", { env });
  const appRunnerStack = new CrmAppRunnerStack(app, "CrmAppRunnerStack", { env });
  return { ecs: Template.fromStack(ecsStack), appRunner: Template.fromStack(appRunnerStack) };
}

const { ecs, appRunner } = synth();
const both: [string, Template][] = [
  ["CrmEcsStack", ecs],
  ["CrmAppRunnerStack", appRunner],
];

function resources(t: Template, type: string): [string, Json][] {
  return Object.entries(t.findResources(type)).map(([id, r]) => [id, r as Json]);
}

function containers(t: Template): Json[] {
  return resources(t, "AWS::ECS::TaskDefinition").flatMap(
    ([, r]) => r.Properties.ContainerDefinitions as Json[],
  );
}

/** Every ingress rule of the template: inline in a security group or a resource of its own. */
function ingressRules(t: Template): { group: string; rule: Json }[] {
  const out: { group: string; rule: Json }[] = [];
  for (const [id, r] of resources(t, "AWS::EC2::SecurityGroup")) {
    for (const rule of r.Properties.SecurityGroupIngress ?? []) out.push({ group: id, rule });
  }
  for (const [, r] of resources(t, "AWS::EC2::SecurityGroupIngress")) {
    out.push({ group: r.Properties.GroupId["Fn::GetAtt"][0], rule: r.Properties });
  }
  return out;
}

function covers(rule: Json, port: number): boolean {
  return (rule.FromPort ?? 0) <= port && port <= (rule.ToPort ?? 65535);
}

describe("services", () => {
  test("CrmEcsStack: cluster crm with services api and worker", () => {
    ecs.hasResourceProperties("AWS::ECS::Cluster", { ClusterName: "crm" });
    ecs.hasResourceProperties("AWS::ECS::Service", {
      ServiceName: "api",
      LaunchType: "FARGATE",
      LoadBalancers: [Match.objectLike({ ContainerName: "crm", ContainerPort: 8080 })],
      DeploymentConfiguration: Match.objectLike({
        DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      }),
    });
    ecs.hasResourceProperties("AWS::ECS::Service", {
      ServiceName: "worker",
      LaunchType: "FARGATE",
      LoadBalancers: Match.absent(),
    });
    ecs.resourceCountIs("AWS::ECS::Service", 2);
  });

  test("CrmAppRunnerStack: the api on App Runner, the worker on Fargate", () => {
    appRunner.hasResourceProperties("AWS::AppRunner::Service", {
      ServiceName: "crm-api",
      NetworkConfiguration: { EgressConfiguration: Match.objectLike({ EgressType: "VPC" }) },
    });
    appRunner.hasResourceProperties("AWS::ECS::Service", { ServiceName: "worker" });
    appRunner.resourceCountIs("AWS::ECS::Service", 1);
    appRunner.resourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 0);
  });

  test("the first deploy (apiMinTasks=0 workerTasks=0) starts nothing before crm migrate", () => {
    // crm serve and crm worker refuse to run on an unmigrated database
    const first = synth({ apiMinTasks: "0", workerTasks: "0" });
    for (const [, r] of resources(first.ecs, "AWS::ECS::Service")) {
      assert.equal(r.Properties.DesiredCount, 0, r.Properties.ServiceName);
    }
    first.appRunner.resourceCountIs("AWS::AppRunner::Service", 0);
    first.appRunner.hasResourceProperties("AWS::ECS::TaskDefinition", { Family: "crm-migrate" });
    for (const [, r] of resources(ecs, "AWS::ECS::Service")) {
      assert.equal(r.Properties.DesiredCount, 1, r.Properties.ServiceName);
    }
  });

  test("task definitions crm-api, crm-worker, crm-migrate as deploy.yml names them", () => {
    const workflow = fs.readFileSync(path.join(ROOT, ".github/workflows/deploy.yml"), "utf8");
    const families = workflow.match(/for family in ([\w -]+); do/)![1].trim().split(/\s+/);
    assert.deepEqual(families.sort(), ["crm-api", "crm-migrate", "crm-worker"]);
    assert.match(workflow, /CLUSTER: crm\b/);
    const ecsFamilies = resources(ecs, "AWS::ECS::TaskDefinition").map(
      ([, r]) => r.Properties.Family,
    );
    assert.deepEqual(ecsFamilies.sort(), families);
    for (const [, r] of resources(ecs, "AWS::ECS::TaskDefinition")) {
      // deploy.yml puts the new image into containerDefinitions[0]
      const first = r.Properties.ContainerDefinitions[0];
      assert.equal(first.Name, "crm", r.Properties.Family);
      assert.equal(first.Image, CONTEXT.image, r.Properties.Family);
    }
    ecs.hasResourceProperties("AWS::ECS::TaskDefinition", {
      Family: "crm-migrate",
      ContainerDefinitions: [Match.objectLike({ Name: "crm", Command: ["migrate"] })],
    });
  });
});

describe("health and draining", () => {
  test("the target group checks /readyz", () => {
    ecs.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
      HealthCheckPath: "/readyz",
      TargetType: "ip",
      Port: 8080,
    });
  });

  test("App Runner checks /readyz", () => {
    appRunner.hasResourceProperties("AWS::AppRunner::Service", {
      HealthCheckConfiguration: Match.objectLike({ Protocol: "HTTP", Path: "/readyz" }),
    });
  });

  test("deregistration delay is CRM_SHUTDOWN_TIMEOUT_S plus a margin", () => {
    const { ecs: t } = synth({ shutdownTimeoutS: "20" });
    const [[, tg]] = resources(t, "AWS::ElasticLoadBalancingV2::TargetGroup");
    const delay = tg.Properties.TargetGroupAttributes.find(
      (a: Json) => a.Key === "deregistration_delay.timeout_seconds",
    ).Value;
    const api = containers(t).find((c) => c.Command?.[0] === "serve")!;
    const shutdown = api.Environment.find((e: Json) => e.Name === "CRM_SHUTDOWN_TIMEOUT_S").Value;
    assert.equal(shutdown, "20");
    assert.ok(Number(delay) > 20 && Number(delay) <= 30, `delay ${delay}`);
    assert.ok(api.StopTimeout > 20, `stop timeout ${api.StopTimeout}`);
  });
});

describe("secrets", () => {
  test("no secret-looking name is a plain environment value", () => {
    for (const [name, t] of both) {
      for (const c of containers(t)) {
        for (const e of c.Environment ?? []) {
          assert.doesNotMatch(e.Name, SECRET_LOOKING, `${name}: ${c.Name} has ${e.Name} plain`);
        }
      }
    }
    for (const [, r] of resources(appRunner, "AWS::AppRunner::Service")) {
      const img = r.Properties.SourceConfiguration.ImageRepository.ImageConfiguration;
      for (const e of img.RuntimeEnvironmentVariables) {
        assert.doesNotMatch(e.Name, SECRET_LOOKING, `App Runner has ${e.Name} plain`);
      }
    }
  });

  test("the credentials arrive as secrets, from Secrets Manager", () => {
    const byFamily = (t: Template, family: string) => {
      const [, r] = resources(t, "AWS::ECS::TaskDefinition").find(
        ([, r]) => r.Properties.Family === family,
      )!;
      return (r.Properties.ContainerDefinitions[0].Secrets as Json[]).map((s) => s.Name).sort();
    };
    assert.deepEqual(byFamily(ecs, "crm-api"), [
      "CRM_DATABASE_URL",
      "CRM_JWT_KEYS",
      "CRM_METRICS_TOKEN",
      "CRM_PLATFORM_KEY",
      "CRM_TWILIO_ACCOUNT_SID",
      "CRM_TWILIO_AUTH_TOKEN",
    ]);
    assert.deepEqual(byFamily(ecs, "crm-worker"), [
      "CRM_DATABASE_URL",
      "CRM_SMTP_URL",
      "CRM_TWILIO_ACCOUNT_SID",
      "CRM_TWILIO_AUTH_TOKEN",
    ]);
    assert.deepEqual(byFamily(ecs, "crm-migrate"), ["CRM_DATABASE_URL"]);
    const [[, ar]] = resources(appRunner, "AWS::AppRunner::Service");
    const arSecrets = ar.Properties.SourceConfiguration.ImageRepository.ImageConfiguration
      .RuntimeEnvironmentSecrets as Json[];
    assert.deepEqual(arSecrets.map((s) => s.Name).sort(), byFamily(ecs, "crm-api"));
    for (const s of arSecrets) assert.ok(s.Value.Ref, `${s.Name} is a secret's ARN`);
  });

  test("SMTP and Twilio stay out until switched on (crm refuses empty values)", () => {
    const { ecs: t } = synth({ smtp: "false", twilio: "false" });
    const names = containers(t).flatMap((c) => (c.Secrets ?? []).map((s: Json) => s.Name));
    assert.ok(!names.some((n) => /SMTP|TWILIO/.test(n)), names.join(" "));
  });

  test("the database URL is built by reference, the password never in the template", () => {
    const [[, url]] = Object.entries(
      ecs.findResources("AWS::SecretsManager::Secret", {
        Properties: { Name: "crm/database-url" },
      }),
    ) as [string, Json][];
    const text = JSON.stringify(url.Properties.SecretString);
    assert.match(text, /resolve:secretsmanager:/);
    assert.match(text, /SecretString:password/);
    assert.match(text, /sslmode=require/);
  });
});

describe("database", () => {
  test("PostgreSQL 15 on db.t4g.micro: encrypted, backed up, protected, private", () => {
    for (const [name, t] of both) {
      const [[, db]] = resources(t, "AWS::RDS::DBInstance");
      const p = db.Properties;
      assert.equal(p.Engine, "postgres", name);
      assert.match(p.EngineVersion, /^15/, name);
      assert.equal(p.DBInstanceClass, "db.t4g.micro", name);
      assert.equal(p.StorageEncrypted, true, name);
      assert.equal(p.DeletionProtection, true, name);
      assert.ok(p.BackupRetentionPeriod >= 7, `${name}: ${p.BackupRetentionPeriod} days`);
      assert.equal(p.PubliclyAccessible, false, name);
      assert.equal(p.MultiAZ, false, name);
    }
  });

  test("Multi-AZ is a setting", () => {
    synth({ multiAz: "true" }).ecs.hasResourceProperties("AWS::RDS::DBInstance", {
      MultiAZ: true,
    });
  });

  test("the database admits 5432 from the crm clients' groups only, never 0.0.0.0/0", () => {
    for (const [name, t] of both) {
      const dbGroups = resources(t, "AWS::RDS::DBInstance").flatMap(([, r]) =>
        r.Properties.VPCSecurityGroups.map((g: Json) => g["Fn::GetAtt"][0]),
      );
      for (const { group, rule } of ingressRules(t)) {
        if (covers(rule, 5432)) {
          assert.equal(rule.CidrIp, undefined, `${name}: ${group} open to ${rule.CidrIp}`);
          assert.equal(rule.CidrIpv6, undefined, `${name}: ${group}`);
        }
        if (dbGroups.includes(group)) {
          assert.equal(rule.FromPort, 5432, name);
          assert.equal(rule.ToPort, 5432, name);
          assert.ok(rule.SourceSecurityGroupId, `${name}: database rule from a group`);
        }
      }
      assert.ok(
        ingressRules(t).some(({ group }) => dbGroups.includes(group)),
        `${name}: someone may reach the database`,
      );
    }
  });

  test("only the load balancer is open to the world, on 443 and 80", () => {
    for (const [name, t] of both) {
      const albGroups = resources(t, "AWS::ElasticLoadBalancingV2::LoadBalancer").flatMap(
        ([, r]) => r.Properties.SecurityGroups.map((g: Json) => g["Fn::GetAtt"][0]),
      );
      for (const { group, rule } of ingressRules(t)) {
        if (rule.CidrIp === "0.0.0.0/0" || rule.CidrIpv6 === "::/0") {
          assert.ok(albGroups.includes(group), `${name}: ${group} is open to the world`);
          assert.ok([443, 80].includes(rule.FromPort), `${name}: port ${rule.FromPort}`);
          assert.equal(rule.FromPort, rule.ToPort, name);
        }
      }
    }
  });
});

describe("tasks", () => {
  test("Fargate ARM64, every container as a non-root user", () => {
    for (const [name, t] of both) {
      for (const [, r] of resources(t, "AWS::ECS::TaskDefinition")) {
        const p = r.Properties;
        assert.deepEqual(p.RequiresCompatibilities, ["FARGATE"], name);
        assert.equal(p.RuntimePlatform?.CpuArchitecture, "ARM64", `${name}: ${p.Family}`);
        for (const c of p.ContainerDefinitions) {
          assert.ok(c.User, `${name}: ${p.Family}/${c.Name} sets no user`);
          assert.ok(!/^(0|root)(:|$)/.test(c.User), `${name}: ${p.Family}/${c.Name} is root`);
          assert.equal(c.ReadonlyRootFilesystem, true, `${name}: ${p.Family}/${c.Name}`);
        }
      }
    }
  });

  test("logs go to CloudWatch log groups that expire", () => {
    for (const [name, t] of both) {
      for (const c of containers(t)) {
        assert.equal(c.LogConfiguration?.LogDriver, "awslogs", `${name}: ${c.Name}`);
      }
      for (const [id, r] of resources(t, "AWS::Logs::LogGroup")) {
        assert.ok(r.Properties.RetentionInDays > 0, `${name}: ${id} kept forever`);
      }
    }
  });

  test("the worker serves /metrics on a CRM_LISTEN of its own, scraped beside it", () => {
    const worker = containers(ecs).find((c) => c.Command?.[0] === "worker")!;
    const listen = worker.Environment.find((e: Json) => e.Name === "CRM_LISTEN").Value;
    assert.notEqual(listen.split(":").pop(), "8080");
    const sidecar = containers(ecs).find((c) => c.Name === "metrics")!;
    const config = sidecar.Environment.find((e: Json) => e.Name === "AOT_CONFIG_CONTENT").Value;
    assert.ok(config.includes(`127.0.0.1:${listen.split(":").pop()}`), config);
    assert.match(config, /crm_outbox_oldest_due_seconds/);
    assert.equal(sidecar.Essential, false);
  });

  test("no NAT gateway", () => {
    for (const [, t] of both) t.resourceCountIs("AWS::EC2::NatGateway", 0);
  });
});

describe("front door", () => {
  test("the listener is HTTPS with the certificate; HTTP redirects to it", () => {
    ecs.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 443,
      Protocol: "HTTPS",
      Certificates: [{ CertificateArn: CONTEXT.certificateArn }],
    });
    ecs.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 80,
      Protocol: "HTTP",
      DefaultActions: [
        Match.objectLike({
          Type: "redirect",
          RedirectConfig: Match.objectLike({ Protocol: "HTTPS", Port: "443" }),
        }),
      ],
    });
    ecs.resourceCountIs("AWS::ElasticLoadBalancingV2::Listener", 2);
  });

  test("the api scales on CPU and on requests per target", () => {
    const kinds = resources(ecs, "AWS::ApplicationAutoScaling::ScalingPolicy").map(
      ([, r]) =>
        r.Properties.TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification
          .PredefinedMetricType,
    );
    assert.deepEqual(kinds.sort(), ["ALBRequestCountPerTarget", "ECSServiceAverageCPUUtilization"]);
  });
});

describe("alarms", () => {
  test("5xx rate, p99 latency, outbox age, database CPU and storage, to the SNS topic", () => {
    for (const [name, t] of both) {
      const alarms = resources(t, "AWS::CloudWatch::Alarm").map(([, r]) => r.Properties);
      const names = alarms.map((a) => a.AlarmName).sort();
      assert.deepEqual(
        names,
        [
          "crm-api5xx-rate",
          "crm-api-latency-p99",
          "crm-database-cpu",
          "crm-database-free-storage",
          "crm-outbox-oldest-due",
        ].sort(),
        name,
      );
      const [[topic]] = resources(t, "AWS::SNS::Topic");
      for (const a of alarms) {
        assert.deepEqual(a.AlarmActions, [{ Ref: topic }], `${name}: ${a.AlarmName}`);
      }
      const outbox = alarms.find((a) => a.AlarmName === "crm-outbox-oldest-due")!;
      assert.equal(outbox.MetricName, "crm_outbox_oldest_due_seconds");
      assert.equal(outbox.TreatMissingData, "breaching");
    }
  });
});

describe("deploy role", () => {
  const workflow = fs.readFileSync(path.join(ROOT, ".github/workflows/deploy.yml"), "utf8");
  const [[, role]] = resources(ecs, "AWS::IAM::Role").filter(
    ([, r]) => r.Properties.RoleName === "crm-github-deploy",
  );
  const policies = resources(ecs, "AWS::IAM::Policy").filter(([, p]) =>
    p.Properties.Roles.some((r: Json) => r.Ref && ecs.toJSON().Resources[r.Ref] === role),
  );
  const statements = policies.flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Json[]);

  test("trusted only for the repository's deploy environment through GitHub's OIDC", () => {
    const [trust] = role.Properties.AssumeRolePolicyDocument.Statement;
    assert.equal(trust.Action, "sts:AssumeRoleWithWebIdentity");
    const env = workflow.match(/environment: (\S+)/)![1];
    assert.deepEqual(trust.Condition.StringEquals, {
      "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      "token.actions.githubusercontent.com:sub": `repo:${CONTEXT.githubRepository}:environment:${env}`,
    });
    ecs.hasResourceProperties("AWS::IAM::OIDCProvider", {
      Url: "https://token.actions.githubusercontent.com",
    });
  });

  test("allowed exactly the ECS calls deploy.yml makes, and passing the tasks' roles", () => {
    // `aws ecs describe-task-definition` -> ecs:DescribeTaskDefinition; the waiters poll
    const verbs = [...workflow.matchAll(/aws ecs ([a-z-]+)(?: ([a-z-]+))?/g)].map(([, v, w]) =>
      v === "wait" ? (w === "tasks-stopped" ? "describe-tasks" : "describe-services") : v,
    );
    const needed = new Set(
      verbs.map((v) => "ecs:" + v.replace(/(^|-)([a-z])/g, (_, __, c) => c.toUpperCase())),
    );
    needed.add("iam:PassRole");
    const granted = new Set(
      statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])),
    );
    assert.deepEqual([...granted].sort(), [...needed].sort());
    for (const s of statements) assert.equal(s.Effect, "Allow");
    const pass = statements.find((s) => s.Action === "iam:PassRole")!;
    assert.equal(pass.Condition.StringEquals["iam:PassedToService"], "ecs-tasks.amazonaws.com");
    const run = statements.find((s) => s.Action === "ecs:RunTask")!;
    assert.match(JSON.stringify(run.Resource), /task-definition\/crm-migrate:\*/);
    assert.match(JSON.stringify(run.Condition), /cluster\/crm/);
  });
});
