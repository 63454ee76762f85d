// ActivityComposer.tsx - adds a note, a call or a task to the contact (POST /api/v1/activities);
// a task's due time is entered and sent in the tenant's time zone.
import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Group, SegmentedControl, Stack, TextInput, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { DateTime } from "luxon";
import { api } from "../../../api/client";
import { fieldErrors, must, problemMessage } from "../../../lib/problem";
import { useMe } from "../../../app/me";
import { keys } from "./data";
import { t } from "./strings";

const KINDS = ["note", "call", "task"] as const;
type Kind = (typeof KINDS)[number];

export default function ActivityComposer({ contactId }: { contactId: string }) {
  const [kind, setKind] = useState<Kind>("note");
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [due, setDue] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const qc = useQueryClient();
  const zone = useMe().me.tenant.time_zone;

  const add = useMutation({
    mutationFn: async () => {
      const dueAt = kind === "task" && due ? DateTime.fromISO(due, { zone }).toUTC().toISO() : null;
      return must(
        await api.POST("/api/v1/activities", {
          body: { type: kind, subject: subject.trim(), body: body.trim() || null, contact_id: contactId, due_at: dueAt, priority: "normal" },
        }),
      );
    },
    onSuccess: () => {
      notifications.show({ color: "green", message: t.activityAdded(t.activityKinds[kind] ?? kind) });
      setSubject("");
      setBody("");
      setDue("");
      setErrors({});
      setProblem(undefined);
      void qc.invalidateQueries({ queryKey: keys.timeline(contactId) });
    },
    onError: (err) => {
      const byField = fieldErrors(err);
      setErrors(byField);
      const claimed = Object.keys(byField).every((f) => ["subject", "body", "due_at"].includes(f));
      setProblem(Object.keys(byField).length && claimed ? undefined : problemMessage(err));
    },
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!subject.trim()) return setErrors({ subject: t.required });
    add.mutate();
  }

  return (
    <form onSubmit={submit} noValidate aria-label={t.addActivity}>
      <Stack gap="xs">
        <SegmentedControl
          aria-label={t.activityType}
          value={kind}
          onChange={(v) => setKind(v as Kind)}
          data={KINDS.map((k) => ({ value: k, label: t.activityKinds[k] ?? k }))}
          size="xs"
          w="fit-content"
        />
        {problem && (
          <Alert color="red" role="alert">
            {problem}
          </Alert>
        )}
        <TextInput label={t.subject} value={subject} maxLength={200} error={errors.subject} required
          onChange={(e) => setSubject(e.currentTarget.value)} />
        <Textarea label={t.body} value={body} autosize minRows={2} maxRows={8} maxLength={20000} error={errors.body}
          onChange={(e) => setBody(e.currentTarget.value)} />
        {kind === "task" && (
          <TextInput label={t.due} type="datetime-local" value={due} error={errors.due_at}
            onChange={(e) => setDue(e.currentTarget.value)} />
        )}
        <Group justify="flex-end">
          <Button type="submit" size="xs" loading={add.isPending}>
            {t.add}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
