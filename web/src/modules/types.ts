// types.ts - the web app's module seam, mirroring the server's: a module brings its routes and
// navigation entries, each guarded by a permission and by the module being enabled.
import type { RouteObject } from "react-router";
import type { Viewer } from "../app/me";

export interface NavEntry {
  to: string;
  label: string;
  icon?: string; // a short glyph shown before the label
  permission?: string; // shown only to viewers holding it
  order: number; // place in the navigation (lower first)
  when?: (viewer: Viewer) => boolean; // a further condition (e.g. the viewer is a practitioner)
}

export interface WebModule {
  /** the server module's name (GET /api/v1/modules); "crm" is always on */
  name: string;
  /** routes inside the signed-in shell, each path relative to / */
  routes: RouteObject[];
  nav: NavEntry[];
  /** where a viewer lands after sign-in, when this module is on and the viewer may use it */
  home?: { path: string; permission: string; priority: number };
}

export function moduleOn(viewer: Viewer, name: string): boolean {
  return name === "crm" || viewer.modules.has(name);
}
