// foundation.ts - what both stacks stand on, built one way: the network, the database (open
// to the ECS tasks), the secrets, the ECS cluster `crm` with the worker and the migration task,
// and the alarms.
import { Construct } from "constructs";
import { CrmAlarms } from "./alarms";
import { CrmCluster } from "./cluster";
import { CrmDatabase } from "./database";
import { CrmNetwork } from "./network";
import { CrmSecrets } from "./secrets";
import { CrmSettings } from "./settings";

export interface CrmFoundation {
  network: CrmNetwork;
  db: CrmDatabase;
  secrets: CrmSecrets;
  crm: CrmCluster;
  alarms: CrmAlarms;
}

/** Builds the foundation in scope; tasksNote describes the ECS tasks the database admits. */
export function crmFoundation(scope: Construct, s: CrmSettings, tasksNote: string): CrmFoundation {
  const network = new CrmNetwork(scope, "Network", s);
  const db = new CrmDatabase(scope, "Database", network, s);
  db.allowFrom(network.tasks, tasksNote);
  const secrets = new CrmSecrets(scope, "Secrets", db, s);
  const crm = new CrmCluster(scope, "Ecs", network, secrets, s);
  const alarms = new CrmAlarms(scope, "Alarms", db, s);
  return { network, db, secrets, crm, alarms };
}
