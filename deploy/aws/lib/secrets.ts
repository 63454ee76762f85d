// secrets.ts - the Secrets Manager entries crm reads, and which environment variable each
// becomes in a container (always as an ECS or App Runner *secret*, never a plain value):
//   crm/database-url         CRM_DATABASE_URL    made here from the RDS master secret
//   crm/jwt-keys             CRM_JWT_KEYS        one HS256 key, generated (a key set inline)
//   crm/platform-key         CRM_PLATFORM_KEY    generated, 48 characters
//   crm/metrics-token        CRM_METRICS_TOKEN   generated, 48 characters
//   crm/smtp-url             CRM_SMTP_URL        filled by the operator (docs/deploy.md)
//   crm/twilio-account-sid   CRM_TWILIO_ACCOUNT_SID   filled by the operator
//   crm/twilio-auth-token    CRM_TWILIO_AUTH_TOKEN    filled by the operator
// The last three are injected only with the smtp / twilio settings on: crm refuses an empty or
// malformed value, so they must hold real ones first.
import { SecretValue, Fn, aws_secretsmanager as sm } from "aws-cdk-lib";
import { Construct } from "constructs";
import { CrmDatabase } from "./database";
import { CrmSettings } from "./settings";

export type SecretRole = "api" | "worker" | "migrate";

export interface SecretUse {
  /** the environment variable the container gets */
  env: string;
  secret: sm.ISecret;
}

export class CrmSecrets extends Construct {
  readonly databaseUrl: sm.Secret;
  readonly jwtKeys: sm.Secret;
  readonly platformKey: sm.Secret;
  readonly metricsToken: sm.Secret;
  readonly smtpUrl: sm.Secret;
  readonly twilioAccountSid: sm.Secret;
  readonly twilioAuthToken: sm.Secret;
  private readonly settings: CrmSettings;

  constructor(scope: Construct, id: string, db: CrmDatabase, settings: CrmSettings) {
    super(scope, id);
    this.settings = settings;
    const master = db.instance.secret!;
    // resolved by CloudFormation at deploy time ({{resolve:secretsmanager:...}}): the password
    // never appears in the template
    const url = Fn.join("", [
      `postgresql://${CrmDatabase.USER}:`,
      master.secretValueFromJson("password").unsafeUnwrap(),
      "@",
      db.instance.dbInstanceEndpointAddress,
      ":",
      db.instance.dbInstanceEndpointPort,
      `/${CrmDatabase.NAME}?sslmode=require`,
    ]);
    this.databaseUrl = new sm.Secret(this, "DatabaseUrl", {
      secretName: "crm/database-url",
      description: "CRM_DATABASE_URL: libpq URI of the crm database (the RDS master user)",
      secretStringValue: SecretValue.unsafePlainText(url),
    });
    this.jwtKeys = new sm.Secret(this, "JwtKeys", {
      secretName: "crm/jwt-keys",
      description: "CRM_JWT_KEYS: the JWT key set, or one HS256 key, given inline",
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ kid: "aws-1", alg: "HS256" }),
        generateStringKey: "secret",
        // 64 characters of A-Za-z0-9 are valid base64url of 48 bytes (crm wants >= 32)
        passwordLength: 64,
        excludePunctuation: true,
        includeSpace: false,
      },
    });
    const token = (name: string, description: string) =>
      new sm.Secret(this, name, {
        secretName: `crm/${name.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase()}`,
        description,
        generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
      });
    this.platformKey = token("PlatformKey", "CRM_PLATFORM_KEY: bearer key of /platform");
    this.metricsToken = token("MetricsToken", "CRM_METRICS_TOKEN: bearer token of /metrics");
    const operator = (name: string, secretName: string, description: string) =>
      new sm.Secret(this, name, {
        secretName,
        description: `${description}; put the real value, then deploy with the setting on`,
      });
    this.smtpUrl = operator("SmtpUrl", "crm/smtp-url", "CRM_SMTP_URL");
    this.twilioAccountSid = operator(
      "TwilioAccountSid",
      "crm/twilio-account-sid",
      "CRM_TWILIO_ACCOUNT_SID",
    );
    this.twilioAuthToken = operator(
      "TwilioAuthToken",
      "crm/twilio-auth-token",
      "CRM_TWILIO_AUTH_TOKEN",
    );
  }

  /** The secrets a container of this role gets, as environment variable names. */
  for(role: SecretRole): SecretUse[] {
    const uses: SecretUse[] = [{ env: "CRM_DATABASE_URL", secret: this.databaseUrl }];
    if (role === "migrate") return uses;
    const twilio: SecretUse[] = this.settings.twilio
      ? [
          { env: "CRM_TWILIO_ACCOUNT_SID", secret: this.twilioAccountSid },
          { env: "CRM_TWILIO_AUTH_TOKEN", secret: this.twilioAuthToken },
        ]
      : [];
    if (role === "api") {
      return [
        ...uses,
        { env: "CRM_JWT_KEYS", secret: this.jwtKeys },
        { env: "CRM_PLATFORM_KEY", secret: this.platformKey },
        { env: "CRM_METRICS_TOKEN", secret: this.metricsToken },
        ...twilio,
      ];
    }
    const smtp: SecretUse[] = this.settings.smtp
      ? [{ env: "CRM_SMTP_URL", secret: this.smtpUrl }]
      : [];
    return [...uses, ...smtp, ...twilio];
  }
}
