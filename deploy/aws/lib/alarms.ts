// alarms.ts - the SNS topic alarms go to, and the alarms both variants share: the outbox's
// oldest due message (from the worker's metrics sidecar), the database's CPU and free storage.
// Each variant adds its front end's 5xx rate and p99 latency through add().
import { Duration, aws_cloudwatch as cw, aws_cloudwatch_actions as actions } from "aws-cdk-lib";
import { aws_sns as sns, aws_sns_subscriptions as subs } from "aws-cdk-lib";
import { Construct } from "constructs";
import { OUTBOX_METRIC } from "./cluster";
import { CrmDatabase } from "./database";
import { CrmSettings } from "./settings";

export class CrmAlarms extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, db: CrmDatabase, settings: CrmSettings) {
    super(scope, id);
    this.topic = new sns.Topic(this, "Topic", { topicName: "crm-alarms" });
    if (settings.alarmEmail) {
      this.topic.addSubscription(new subs.EmailSubscription(settings.alarmEmail));
    }

    this.add(
      "OutboxOldestDue",
      new cw.Metric({
        namespace: OUTBOX_METRIC.namespace,
        metricName: OUTBOX_METRIC.name,
        dimensionsMap: OUTBOX_METRIC.dimensions,
        statistic: "Maximum",
        period: Duration.minutes(5),
      }),
      {
        threshold: settings.alarmOutboxOldestDueS,
        evaluationPeriods: 2,
        // no figure means no worker (or no sidecar) reporting: that is an alarm too
        treatMissingData: cw.TreatMissingData.BREACHING,
        alarmDescription:
          `A due message has waited over ${settings.alarmOutboxOldestDueS} s, or the worker ` +
          "reports nothing: is the worker running, can it reach SMTP/Twilio? (docs/deploy.md)",
      },
    );
    this.add(
      "DatabaseCpu",
      db.instance.metricCPUUtilization({ period: Duration.minutes(5) }),
      {
        threshold: 80,
        evaluationPeriods: 3,
        alarmDescription: "RDS CPU over 80 % for 15 minutes (db.t4g.micro: check CPUCreditBalance)",
      },
    );
    this.add(
      "DatabaseFreeStorage",
      db.instance.metricFreeStorageSpace({ period: Duration.minutes(5) }),
      {
        threshold: 2 * 1024 ** 3,
        comparisonOperator: cw.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: 1,
        alarmDescription: "RDS free storage under 2 GiB (storage autoscaling has a ceiling)",
      },
    );
  }

  /** An alarm on metric that notifies the topic on ALARM and on OK. */
  add(
    id: string,
    metric: cw.IMetric,
    props: Omit<cw.CreateAlarmOptions, "alarmName">,
  ): cw.Alarm {
    const alarm = new cw.Alarm(this, id, {
      metric,
      alarmName: `crm-${id.replace(/([a-z0-9])([A-Z])/g, "$1-$2").toLowerCase()}`,
      comparisonOperator: cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cw.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    alarm.addOkAction(new actions.SnsAction(this.topic));
    return alarm;
  }
}
