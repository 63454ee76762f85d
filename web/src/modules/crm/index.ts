// index.ts - the core CRM's screens: contacts and their record.
import { lazy } from "react";
import type { WebModule } from "../types";

export const crmModule: WebModule = {
  name: "crm",
  contactTypes: ["lead", "customer"],
  routes: [
    { path: "contacts", Component: lazy(() => import("./contacts/ContactsPage")) },
    { path: "contacts/:id", Component: lazy(() => import("./contacts/ContactRecord")) },
  ],
  nav: [{ to: "/contacts", label: "Patients & contacts", icon: "people", permission: "contacts.read", order: 20 }],
  home: { path: "/contacts", permission: "contacts.read", priority: 10 },
};
