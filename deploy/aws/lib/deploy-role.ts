// deploy-role.ts - the role .github/workflows/deploy.yml assumes through GitHub's OIDC (no
// stored AWS keys). Trusted only for the repository's jobs in its deploy environment, and
// allowed only what deploy.yml does: read and register the crm-* task definitions, run
// crm-migrate in cluster crm and watch it, update and watch the services api and worker, and
// pass the tasks' roles to ECS.
import { Stack, aws_iam as iam } from "aws-cdk-lib";
import { Construct } from "constructs";
import { CrmSettings } from "./settings";

const GITHUB_OIDC = "token.actions.githubusercontent.com";

export interface DeployRoleProps {
  settings: CrmSettings;
  clusterName: string;
  serviceNames: string[];
  migrateFamily: string;
  passRoles: iam.IRole[];
}

export class GitHubDeployRole extends Construct {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: DeployRoleProps) {
    super(scope, id);
    const { settings } = props;
    const stack = Stack.of(this);
    let providerArn = settings.githubOidcProviderArn;
    if (!providerArn) {
      // one per account: name an existing one with githubOidcProviderArn instead
      providerArn = new iam.CfnOIDCProvider(this, "Provider", {
        url: `https://${GITHUB_OIDC}`,
        clientIdList: ["sts.amazonaws.com"],
      }).attrArn;
    }
    this.role = new iam.Role(this, "Role", {
      roleName: "crm-github-deploy",
      description: `deploy.yml of ${settings.githubRepository} (GitHub OIDC)`,
      assumedBy: new iam.FederatedPrincipal(
        providerArn,
        {
          StringEquals: {
            [`${GITHUB_OIDC}:aud`]: "sts.amazonaws.com",
            [`${GITHUB_OIDC}:sub`]:
              `repo:${settings.githubRepository}:environment:${settings.githubEnvironment}`,
          },
        },
        "sts:AssumeRoleWithWebIdentity",
      ),
    });
    const arn = (resource: string) =>
      stack.formatArn({ service: "ecs", resource, arnFormat: undefined });
    const clusterArn = arn(`cluster/${props.clusterName}`);
    const statements = [
      // ECS authorises these two on no resource narrower than "*"
      new iam.PolicyStatement({
        sid: "TaskDefinitions",
        actions: ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"],
        resources: ["*"],
      }),
      new iam.PolicyStatement({
        sid: "RunMigrate",
        actions: ["ecs:RunTask"],
        resources: [arn(`task-definition/${props.migrateFamily}:*`)],
        conditions: { ArnEquals: { "ecs:cluster": clusterArn } },
      }),
      new iam.PolicyStatement({
        sid: "WatchTasks",
        actions: ["ecs:DescribeTasks"],
        resources: [arn(`task/${props.clusterName}/*`)],
      }),
      new iam.PolicyStatement({
        sid: "RollServices",
        actions: ["ecs:DescribeServices", "ecs:UpdateService"],
        resources: props.serviceNames.map((s) => arn(`service/${props.clusterName}/${s}`)),
      }),
      new iam.PolicyStatement({
        sid: "PassTaskRoles",
        actions: ["iam:PassRole"],
        resources: props.passRoles.map((r) => r.roleArn),
        conditions: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      }),
    ];
    for (const s of statements) this.role.addToPolicy(s);
  }
}
