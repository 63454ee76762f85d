// index.ts - the Clinic module's screens: the diary and the practitioner's day.
import { lazy } from "react";
import type { WebModule } from "../types";

export const clinicModule: WebModule = {
  name: "clinic",
  routes: [
    { path: "diary", Component: lazy(() => import("./diary/DiaryPage")) },
    { path: "my-day", Component: lazy(() => import("./myday/MyDayPage")) },
  ],
  nav: [
    { to: "/diary", label: "Diary", icon: "calendar", permission: "clinic.appointments.read", order: 10 },
    { to: "/my-day", label: "My day", icon: "sun", permission: "clinic.appointments.read", order: 11,
      when: (v) => v.me.is_practitioner },
  ],
  recordPanels: [
    {
      id: "appointments",
      title: "Appointments",
      order: 20,
      // listing a patient's appointments needs clinic.patients.read (the Viewer has not)
      permission: "clinic.patients.read",
      Component: lazy(() => import("./record/AppointmentsPanel")),
    },
  ],
  contactTypes: ["patient"],
  home: { path: "/diary", permission: "clinic.appointments.read", priority: 20 },
};
