// types.ts - the web app's module seam, mirroring the server's: a module brings its routes and
// navigation entries, each guarded by a permission and by the module being enabled.
import type { ComponentType, LazyExoticComponent } from "react";
import type { RouteObject } from "react-router";
import type { Viewer } from "../app/me";
import type { components } from "../api/schema";

export type Contact = components["schemas"]["Contact"];

/** A section a module adds to the contact record (the Clinic's appointments, say). */
export interface RecordPanel {
  id: string;
  title: string;
  order: number; // place among the record's sections (lower first)
  permission?: string;
  /** only for contacts of these types (all when absent) */
  contactTypes?: string[];
  Component: LazyExoticComponent<ComponentType<{ contact: Contact }>>;
}

export type NavIconName = "calendar" | "people" | "sun" | "list";

export interface NavEntry {
  to: string;
  label: string;
  icon?: NavIconName; // drawn before the label (app/shell/NavIcon.tsx)
  permission?: string; // shown only to viewers holding it
  order: number; // place in the navigation (lower first)
  when?: (viewer: Viewer) => boolean; // a further condition (e.g. the viewer is a practitioner)
}

export interface WebModule {
  /** the server module's name (GET /api/v1/modules); "crm" is always on */
  name: string;
  /** routes inside the signed-in shell, each path relative to /; a screen is a React.lazy
   *  component (the shell suspends while its code loads) */
  routes: RouteObject[];
  nav: NavEntry[];
  /** sections of the contact record */
  recordPanels?: RecordPanel[];
  /** the contact types this module declares on the server (lists offer them when it is on) */
  contactTypes?: string[];
  /** where a viewer lands after sign-in, when this module is on and the viewer may use it */
  home?: { path: string; permission: string; priority: number };
}

export function moduleOn(viewer: Viewer, name: string): boolean {
  return name === "crm" || viewer.modules.has(name);
}

/** The record sections of every enabled module that this viewer may see for this contact. */
export function recordPanelsFor(all: WebModule[], viewer: Viewer, contact: Contact): RecordPanel[] {
  return all
    .filter((m) => moduleOn(viewer, m.name))
    .flatMap((m) => m.recordPanels ?? [])
    .filter((p) => (!p.permission || viewer.can(p.permission)) && (!p.contactTypes || p.contactTypes.includes(contact.type)))
    .sort((a, b) => a.order - b.order);
}

/** The contact types of every enabled module, in module order. */
export function contactTypesFor(all: WebModule[], viewer: Viewer): string[] {
  return all.filter((m) => moduleOn(viewer, m.name)).flatMap((m) => m.contactTypes ?? []);
}
