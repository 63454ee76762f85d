// usePatchContact.ts - a change to a contact with If-Match from the cached ETag; the answer
// replaces the cache (no second read), and 412 (changed meanwhile) says so and reloads.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { notifications } from "@mantine/notifications";
import { api } from "../../../api/client";
import { ProblemError, must } from "../../../lib/problem";
import { etagOf, keys, type ContactInput, type Versioned } from "./data";
import { t } from "./strings";

export function usePatchContact(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async (body: ContactInput): Promise<Versioned> => {
      const cached = qc.getQueryData<Versioned>(keys.contact(id));
      const r = await api.PATCH("/api/v1/contacts/{id}", {
        params: { path: { id }, header: { "If-Match": cached?.etag ?? "" } },
        body,
      });
      const contact = must(r);
      return { contact, etag: etagOf(r.response, contact) };
    },
    onSuccess: (next) => {
      qc.setQueryData(keys.contact(id), next);
      void qc.invalidateQueries({ queryKey: keys.lists });
    },
    onError: (err) => {
      if (err instanceof ProblemError && err.status === 412) {
        notifications.show({ color: "orange", title: t.details, message: t.stale, autoClose: 10_000 });
        void qc.invalidateQueries({ queryKey: keys.contact(id), exact: true });
      }
    },
  });
}

export function isStale(err: unknown): boolean {
  return err instanceof ProblemError && err.status === 412;
}
