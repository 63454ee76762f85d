// network.ts - the VPC both variants use: two availability zones, a public subnet in each for
// the tasks (public IPv4 address, security groups that admit nothing from outside but the
// load balancer) and the ALB, an isolated subnet in each for the database (and App Runner's VPC
// connector). No NAT gateway: docs/deploy.md and docs/cost.md say why.
import { aws_ec2 as ec2 } from "aws-cdk-lib";
import { Construct } from "constructs";
import { CrmSettings } from "./settings";

export class CrmNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  /** the ECS tasks' security group: egress anywhere (Docker Hub, AWS APIs, SMTP, Twilio) */
  readonly tasks: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, settings: CrmSettings) {
    super(scope, id);
    this.vpc = new ec2.Vpc(this, "Vpc", {
      ipAddresses: ec2.IpAddresses.cidr("10.40.0.0/16"),
      availabilityZones: settings.availabilityZones,
      natGateways: 0,
      subnetConfiguration: [
        { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: "data", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
    });
    this.tasks = new ec2.SecurityGroup(this, "Tasks", {
      vpc: this.vpc,
      description: "crm ECS tasks: nothing in but what is granted; out to the internet",
      allowAllOutbound: true,
    });
  }
}
