// MergeDialog.tsx - merge a duplicate: find it, see both side by side, choose which record is
// kept, confirm (POST /api/v1/contacts/{kept}/merge with the other as source_id).
import { useState } from "react";
import { useNavigate } from "react-router";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Group, Loader, Modal, Radio, Stack, Text, TextInput, UnstyledButton } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { api } from "../../../api/client";
import { must, problemMessage } from "../../../lib/problem";
import { formatBirthDate, formatDate } from "../../../lib/format";
import { displayName, keys, useContact, type Contact } from "./data";
import { t } from "./strings";
import classes from "./ContactRecord.module.css";

export default function MergeButton({ contact }: { contact: Contact }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button size="xs" variant="default" onClick={() => setOpen(true)}>
        {t.merge}
      </Button>
      {open && <MergeDialog contact={contact} onClose={() => setOpen(false)} />}
    </>
  );
}

function MergeDialog({ contact, onClose }: { contact: Contact; onClose: () => void }) {
  const [text, setText] = useState("");
  const [q] = useDebouncedValue(text.trim(), 250);
  const [otherId, setOtherId] = useState<string>();
  const [keep, setKeep] = useState<"this" | "other">("this");
  const navigate = useNavigate();
  const qc = useQueryClient();

  const found = useQuery({
    queryKey: ["search", q, "merge"],
    enabled: q.length >= 2 && !otherId,
    staleTime: 10_000,
    queryFn: async () => must(await api.GET("/api/v1/search", { params: { query: { q, limit: 10 } } })).data,
  });
  const candidates = (found.data ?? []).filter((r) => r.kind === "contact" && r.id && r.id !== contact.id);

  const merge = useMutation({
    mutationFn: async () => {
      const survivor = keep === "this" ? contact.id : otherId!;
      const source = keep === "this" ? otherId! : contact.id;
      return must(await api.POST("/api/v1/contacts/{id}/merge", { params: { path: { id: survivor } }, body: { source_id: source } }));
    },
    onSuccess: (res) => {
      const survivor = res.survivor_id ?? contact.id;
      notifications.show({ color: "green", message: t.merged });
      for (const id of [contact.id, otherId!]) {
        if (id === survivor) void qc.invalidateQueries({ queryKey: keys.contact(id) });
        else qc.removeQueries({ queryKey: keys.contact(id) });
      }
      void qc.invalidateQueries({ queryKey: keys.lists });
      onClose();
      if (survivor !== contact.id) navigate(`/contacts/${survivor}`, { replace: true });
    },
  });

  return (
    <Modal lockScroll={false} opened onClose={onClose} title={t.mergeTitle} size="xl" closeButtonProps={{ "aria-label": t.close }}>
      {!otherId ? (
        <Stack>
          <TextInput label={t.mergeSearch} description={t.mergeSearchHint} value={text} data-autofocus
            onChange={(e) => setText(e.currentTarget.value)} rightSection={found.isFetching ? <Loader size="xs" /> : null} />
          {found.isError && <Alert color="red" role="alert">{problemMessage(found.error)}</Alert>}
          {q.length >= 2 && found.isSuccess && candidates.length === 0 && (
            <Text size="sm" c="dimmed" role="status">{t.mergeNoMatch}</Text>
          )}
          <Stack gap={4} component="ul" className={classes.plainList} aria-label={t.mergeMatches}>
            {candidates.map((c) => (
              <li key={c.id}>
                <UnstyledButton className={classes.candidate} onClick={() => setOtherId(c.id)}>
                  <Text size="sm" fw={500} truncate>{c.title}</Text>
                  {c.subtitle && <Text size="xs" c="dimmed" truncate>{c.subtitle}</Text>}
                </UnstyledButton>
              </li>
            ))}
          </Stack>
        </Stack>
      ) : (
        <Preview contact={contact} otherId={otherId} keep={keep} setKeep={setKeep}
          onBack={() => { setOtherId(undefined); merge.reset(); }}
          onConfirm={() => merge.mutate()} pending={merge.isPending} error={merge.isError ? problemMessage(merge.error) : undefined} />
      )}
    </Modal>
  );
}

function Preview({ contact, otherId, keep, setKeep, onBack, onConfirm, pending, error }: {
  contact: Contact; otherId: string; keep: "this" | "other"; setKeep: (k: "this" | "other") => void;
  onBack: () => void; onConfirm: () => void; pending: boolean; error?: string;
}) {
  const other = useContact(otherId);
  if (other.isPending) return <Loader role="status" aria-label={t.loading} />;
  if (other.isError) return <Alert color="red" role="alert">{problemMessage(other.error)}</Alert>;
  const o = other.data.contact;
  const rows: [string, (c: Contact) => string][] = [
    [t.name, displayName],
    [t.type, (c) => t.typeName(c.type)],
    [t.email, (c) => c.email ?? ""],
    [t.phone, (c) => c.phone ?? ""],
    [t.dateOfBirth, (c) => formatBirthDate(c.date_of_birth)],
    [t.company, (c) => c.company ?? ""],
    [t.tags, (c) => c.tags.join(", ")],
    [t.created, (c) => formatDate(c.created_at)],
  ];
  const role = (side: "this" | "other") => (keep === side ? t.survivor : t.loser);
  return (
    <Stack>
      <Radio.Group label={t.mergeKeep} value={keep} onChange={(v) => setKeep(v as "this" | "other")}>
        <Group mt="xs">
          <Radio value="this" label={`${t.mergeKeepThis}: ${displayName(contact)}`} />
          <Radio value="other" label={`${t.mergeKeepOther}: ${displayName(o)}`} />
        </Group>
      </Radio.Group>
      <div className={classes.compareWrap}>
        <table className={classes.compare} aria-label={t.mergeTitle}>
          <thead>
            <tr>
              <td />
              <th scope="col">{t.mergeKeepThis} ({role("this")})</th>
              <th scope="col">{t.mergeKeepOther} ({role("other")})</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, get]) => (
              <tr key={label}>
                <th scope="row">{label}</th>
                <td data-kept={keep === "this" || undefined}>{get(contact) || t.notGiven}</td>
                <td data-kept={keep === "other" || undefined}>{get(o) || t.notGiven}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Text size="sm" c="dimmed">{t.mergeExplain}</Text>
      {error && <Alert color="red" role="alert">{error}</Alert>}
      <Group justify="space-between">
        <Button variant="default" onClick={onBack}>{t.mergeBack}</Button>
        <Button onClick={onConfirm} loading={pending}>{t.mergeConfirm}</Button>
      </Group>
    </Stack>
  );
}
