// index.ts - the core CRM's screens: contacts and their record.
import type { WebModule } from "../types";

export const crmModule: WebModule = {
  name: "crm",
  contactTypes: ["lead", "customer"],
  routes: [
    { path: "contacts", lazy: () => import("./contacts/ContactsPage").then((m) => ({ Component: m.default })) },
    { path: "contacts/:id", lazy: () => import("./contacts/ContactRecord").then((m) => ({ Component: m.default })) },
  ],
  nav: [{ to: "/contacts", label: "Patients & contacts", icon: "people", permission: "contacts.read", order: 20 }],
  home: { path: "/contacts", permission: "contacts.read", priority: 10 },
};
