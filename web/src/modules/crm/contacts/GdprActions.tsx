// GdprActions.tsx - data protection: download everything held about the person (a same-origin
// fetch saved through a blob: URL, which the CSP allows) and erase it after typing the name.
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Group, Modal, Stack, Text, TextInput } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { api, authedFetch } from "../../../api/client";
import { isProblem, must, problemMessage, toProblemError } from "../../../lib/problem";
import { displayName, keys, type Contact } from "./data";
import { t } from "./strings";

async function downloadExport(id: string) {
  const res = await authedFetch(`/api/v1/contacts/${id}/export`, { headers: { Accept: "application/json" } });
  if (!res.ok) {
    const body: unknown = await res.json().catch(() => undefined);
    throw toProblemError(isProblem(body) ? body : undefined, res);
  }
  const blob = await res.blob();
  const named = /filename="?([^";]+)"?/.exec(res.headers.get("Content-Disposition") ?? "");
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = named?.[1] ?? `contact-${id}.json`;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

export function ExportButton({ contact }: { contact: Contact }) {
  const exp = useMutation({
    mutationFn: () => downloadExport(contact.id),
    onSuccess: () => notifications.show({ color: "green", message: t.exported }),
    onError: (err) => notifications.show({ color: "red", title: t.exportData, message: problemMessage(err) }),
  });
  return (
    <Button size="xs" variant="default" onClick={() => exp.mutate()} loading={exp.isPending}>
      {t.exportData}
    </Button>
  );
}

export function EraseButton({ contact }: { contact: Contact }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const name = displayName(contact);
  const navigate = useNavigate();
  const qc = useQueryClient();
  const erase = useMutation({
    mutationFn: async () => must(await api.POST("/api/v1/contacts/{id}/erase", { params: { path: { id: contact.id } } })),
    onSuccess: () => {
      notifications.show({ color: "green", message: t.erased(name) });
      setOpen(false);
      qc.removeQueries({ queryKey: keys.contact(contact.id) });
      void qc.invalidateQueries({ queryKey: keys.lists });
      navigate("/contacts", { replace: true });
    },
  });
  const matches = typed.trim().toLowerCase() === name.trim().toLowerCase();
  function submit(e: FormEvent) {
    e.preventDefault();
    if (matches) erase.mutate();
  }
  return (
    <>
      <Button size="xs" variant="outline" color="red" onClick={() => { setTyped(""); erase.reset(); setOpen(true); }}>
        {t.erase}
      </Button>
      <Modal lockScroll={false} opened={open} onClose={() => setOpen(false)} title={t.eraseTitle} closeButtonProps={{ "aria-label": t.close }}>
        <form onSubmit={submit} noValidate aria-label={t.eraseTitle}>
          <Stack>
            <Text size="sm">{t.eraseText}</Text>
            {erase.isError && (
              <Alert color="red" role="alert" title={t.eraseRefused}>
                {problemMessage(erase.error)}
              </Alert>
            )}
            <TextInput label={t.eraseConfirmLabel(name)} value={typed} autoComplete="off" data-autofocus
              onChange={(e) => setTyped(e.currentTarget.value)} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setOpen(false)}>
                {t.cancel}
              </Button>
              <Button type="submit" color="red" disabled={!matches} loading={erase.isPending}>
                {t.eraseButton}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
