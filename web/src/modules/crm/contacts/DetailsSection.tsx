// DetailsSection.tsx - the record's details: read as a list, edited in place with If-Match; each
// problem lands next to the field it names, the rest in an alert.
import { useState, type FormEvent } from "react";
import { Alert, Button, Group, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { fieldErrors, problemMessage } from "../../../lib/problem";
import { formatBirthDate, formatDate } from "../../../lib/format";
import ContactForm, { formClaims, toInput, validate, valuesOf, type FormValues } from "./ContactForm";
import type { Contact, CustomField, User } from "./data";
import { isStale, usePatchContact } from "./usePatchContact";
import Section from "./Section";
import { t } from "./strings";
import classes from "./ContactRecord.module.css";

interface Props {
  contact: Contact;
  fields: CustomField[];
  users?: User[];
  types: string[];
  canWrite: boolean;
  viewerId: string;
}

export default function DetailsSection({ contact, fields, users, types, canWrite, viewerId }: Props) {
  const [editing, setEditing] = useState<FormValues>();
  const [before, setBefore] = useState<FormValues>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const patch = usePatchContact(contact.id);

  function start() {
    const v = valuesOf(contact, fields);
    setBefore(v);
    setEditing(v);
    setErrors({});
    setProblem(undefined);
  }
  function stop() {
    setEditing(undefined);
    setBefore(undefined);
    setErrors({});
    setProblem(undefined);
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!editing || !before) return;
    const local = validate(editing, fields);
    setErrors(local);
    setProblem(undefined);
    if (Object.keys(local).length) return;
    const body = toInput(editing, fields, before);
    if (Object.keys(body).length === 0) return stop();
    patch.mutate(body, {
      onSuccess: () => {
        notifications.show({ color: "green", message: t.saved });
        stop();
      },
      onError: (err) => {
        if (isStale(err)) return stop(); // the hook said so and reloads the record
        const byField = fieldErrors(err);
        setErrors(byField);
        const claimed = Object.keys(byField).every((f) => formClaims(f, fields, !!users));
        setProblem(Object.keys(byField).length && claimed ? t.formInvalid : problemMessage(err));
      },
    });
  }

  const action =
    canWrite && !editing ? (
      <Button size="xs" variant="light" onClick={start}>
        {t.edit}
      </Button>
    ) : undefined;

  if (editing)
    return (
      <Section title={t.details} action={action}>
        <form onSubmit={submit} noValidate aria-label={t.edit}>
          <Stack>
            {problem && (
              <Alert color="red" role="alert">
                {problem}
              </Alert>
            )}
            <ContactForm value={editing} onChange={setEditing} errors={errors} fields={fields} types={types} users={users} />
            <Group justify="flex-end">
              <Button variant="default" onClick={stop}>
                {t.cancel}
              </Button>
              <Button type="submit" loading={patch.isPending}>
                {t.save}
              </Button>
            </Group>
          </Stack>
        </form>
      </Section>
    );

  const a = contact.address ?? {};
  const address = [a.line1, a.line2, a.city, a.region, a.postal_code, a.country].filter(Boolean).join(", ");
  const owner = contact.owner_id
    ? (users?.find((u) => u.id === contact.owner_id)?.full_name ?? (contact.owner_id === viewerId ? t.ownerYou : t.ownerSomeone))
    : "";
  const custom = contact.custom_fields as Record<string, unknown>;
  const rows: [string, string][] = [
    [t.email, contact.email ?? ""],
    [t.phone, contact.phone ?? ""],
    [t.dateOfBirth, formatBirthDate(contact.date_of_birth)],
    [t.gender, contact.gender ? (t.genders[contact.gender] ?? contact.gender) : ""],
    [t.company, contact.company ?? ""],
    [t.address, address],
    [t.owner, owner],
    [t.source, contact.source ?? ""],
    ...fields.map((f): [string, string] => {
      const v = custom[f.name];
      const shown =
        v === undefined || v === null ? "" : f.type === "boolean" ? (v ? t.yes : t.no) : f.type === "date" ? formatBirthDate(String(v)) : String(v);
      return [f.label, shown];
    }),
  ];
  return (
    <Section title={t.details} action={action}>
      <dl className={classes.facts}>
        {rows.map(([label, value]) => (
          <div key={label} className={classes.fact}>
            <dt>{label}</dt>
            <dd>{value || <span className={classes.none}>{t.notGiven}</span>}</dd>
          </div>
        ))}
      </dl>
      <Text size="xs" c="dimmed" mt="sm">
        {t.createdOn(formatDate(contact.created_at))}
      </Text>
    </Section>
  );
}
