// data.ts - the contact screens' server state: TanStack Query keys and hooks over the typed client.
import { useQuery } from "@tanstack/react-query";
import { api } from "../../../api/client";
import { must } from "../../../lib/problem";
import type { components } from "../../../api/schema";
import type { Viewer } from "../../../app/me";
import { t } from "./strings";

export type Contact = components["schemas"]["Contact"];
export type ContactInput = components["schemas"]["ContactInput"];
export type CustomField = components["schemas"]["CustomField"];
export type User = components["schemas"]["User"];

/** A contact and the ETag of that version (If-Match for changes). */
export interface Versioned {
  contact: Contact;
  etag: string;
}

export const keys = {
  lists: ["contacts", "list"] as const,
  contact: (id: string) => ["contact", id] as const,
  timeline: (id: string) => ["contact", id, "timeline"] as const,
  deals: (id: string) => ["contact", id, "deals"] as const,
  customFields: ["custom-fields", "contact"] as const,
  users: ["users", "all"] as const,
};

export function etagOf(res: Response, contact: Contact): string {
  return res.headers.get("ETag") ?? `"${contact.version}"`;
}

/** One GET per record view: reading a contact of a sensitive type is audited, so the answer stays fresh
 * for a while and changes replace it from their own answers instead of reading it again. */
export function useContact(id: string) {
  return useQuery({
    queryKey: keys.contact(id),
    staleTime: 5 * 60_000,
    queryFn: async (): Promise<Versioned> => {
      const r = await api.GET("/api/v1/contacts/{id}", { params: { path: { id } } });
      const contact = must(r);
      return { contact, etag: etagOf(r.response, contact) };
    },
  });
}

export function useCustomFields() {
  return useQuery({
    queryKey: keys.customFields,
    staleTime: 5 * 60_000,
    queryFn: async () =>
      must(await api.GET("/api/v1/custom-fields", { params: { query: { entity: "contact" } } })).data,
  });
}

/** The tenant's users, for owners: only for viewers who may list users (the API's users.manage). */
export function useUsers(viewer: Viewer) {
  return useQuery({
    queryKey: keys.users,
    enabled: viewer.can("users.manage"),
    staleTime: 5 * 60_000,
    queryFn: async (): Promise<User[]> => {
      const all: User[] = [];
      let cursor: string | undefined;
      do {
        const page = must(await api.GET("/api/v1/users", { params: { query: { limit: 200, cursor } } }));
        all.push(...page.data);
        cursor = page.next_cursor ?? undefined;
      } while (cursor);
      return all.filter((u) => u.active);
    },
  });
}

export function displayName(c: Pick<Contact, "first_name" | "last_name" | "company">): string {
  const person = [c.first_name, c.last_name].filter(Boolean).join(" ").trim();
  return person || c.company || t.noName;
}
