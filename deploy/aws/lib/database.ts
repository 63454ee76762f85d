// database.ts - PostgreSQL 15 on RDS (db.t4g.micro) in the isolated subnets: storage encrypted,
// automated backups (point-in-time recovery within the retention), deletion protection, TLS
// forced, Multi-AZ by setting. Its security group admits only the clients named by allowFrom.
import { Duration, RemovalPolicy, aws_ec2 as ec2, aws_rds as rds } from "aws-cdk-lib";
import { Construct } from "constructs";
import { CrmNetwork } from "./network";
import { CrmSettings } from "./settings";

/** Characters left out of the generated password: it goes into a URL unencoded. */
const NOT_IN_URL = " %+~`#$&*()|[]{}:;<>?!'/@\"\\^,=.";

export class CrmDatabase extends Construct {
  readonly instance: rds.DatabaseInstance;
  readonly securityGroup: ec2.SecurityGroup;
  static readonly NAME = "crm";
  static readonly USER = "crm";

  constructor(scope: Construct, id: string, network: CrmNetwork, settings: CrmSettings) {
    super(scope, id);
    this.securityGroup = new ec2.SecurityGroup(this, "SecurityGroup", {
      vpc: network.vpc,
      description: "crm PostgreSQL: 5432 from the crm tasks only",
      allowAllOutbound: false,
    });
    const engine = rds.DatabaseInstanceEngine.postgres({
      version: rds.PostgresEngineVersion.VER_15,
    });
    this.instance = new rds.DatabaseInstance(this, "Instance", {
      engine,
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      vpc: network.vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [this.securityGroup],
      publiclyAccessible: false,
      databaseName: CrmDatabase.NAME,
      credentials: rds.Credentials.fromGeneratedSecret(CrmDatabase.USER, {
        secretName: "crm/database-master",
        excludeCharacters: NOT_IN_URL,
      }),
      parameterGroup: new rds.ParameterGroup(this, "Parameters", {
        engine,
        parameters: { "rds.force_ssl": "1" },
      }),
      storageType: rds.StorageType.GP3,
      allocatedStorage: settings.allocatedStorageGiB,
      maxAllocatedStorage: settings.maxAllocatedStorageGiB,
      storageEncrypted: true,
      multiAz: settings.multiAz,
      backupRetention: Duration.days(settings.backupRetentionDays),
      preferredBackupWindow: "02:00-02:30",
      preferredMaintenanceWindow: "sun:03:00-sun:03:30",
      copyTagsToSnapshot: true,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      autoMinorVersionUpgrade: true,
    });
  }

  /** Admits a client security group on 5432, and nothing else. */
  allowFrom(peer: ec2.ISecurityGroup, description: string): void {
    this.securityGroup.addIngressRule(peer, ec2.Port.tcp(5432), description);
  }
}
