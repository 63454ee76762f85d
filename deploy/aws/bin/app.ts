#!/usr/bin/env node
// app.ts - the CDK app: CrmEcsStack (ECS on Fargate behind an ALB) and CrmAppRunnerStack (App
// Runner), alternatives for one account and region (both name the cluster `crm` and the
// secrets crm/*): deploy one. Settings come from context (lib/settings.ts, cdk.json).
import { App } from "aws-cdk-lib";
import { CrmAppRunnerStack } from "../lib/apprunner-stack";
import { CrmEcsStack } from "../lib/ecs-stack";

const app = new App();
const region = app.node.tryGetContext("region") ?? "eu-west-2";
// the account only when the CLI knows it (deploy); synth needs none and looks nothing up
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region };
new CrmEcsStack(app, "CrmEcsStack", {
  env,
  description: "crm: api and worker on ECS Fargate (ARM64) behind an ALB, RDS PostgreSQL 15",
});
new CrmAppRunnerStack(app, "CrmAppRunnerStack", {
  env,
  description: "crm: api on App Runner, worker on ECS Fargate (ARM64), RDS PostgreSQL 15",
});
app.synth();
