// PatientPicker.tsx - the booking dialog's patient: search as you type (/api/v1/search), or add
// a new patient inline; a likely duplicate (the API's 409) offers the existing records.
import { useId, useState } from "react";
import { useQuery, useQueries } from "@tanstack/react-query";
import { Alert, Box, Button, Group, Loader, Paper, Stack, Text, TextInput, UnstyledButton } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { DateTime } from "luxon";
import { api } from "../../../api/client";
import { ProblemError, fieldErrors, must, problemMessage } from "../../../lib/problem";
import { formatBirthDate } from "../../../lib/format";
import type { components } from "../../../api/schema";
import { t } from "./strings";
import classes from "./Booking.module.css";

type Contact = components["schemas"]["Contact"];
export interface PickedPatient {
  id: string;
  name: string;
}

export function contactName(c: Pick<Contact, "first_name" | "last_name" | "company">): string {
  return [c.first_name, c.last_name].filter(Boolean).join(" ") || c.company || "";
}

interface Props {
  value: PickedPatient | null;
  onChange: (p: PickedPatient | null) => void;
  error?: string;
}

export default function PatientPicker({ value, onChange, error }: Props) {
  const [adding, setAdding] = useState(false);
  if (value)
    return (
      <Stack gap={4}>
        <Text size="sm" fw={500} component="span" id="booking-patient-label">
          {t.patient}
        </Text>
        <Group justify="space-between" wrap="nowrap" className={classes.picked}>
          <Text fw={600} truncate data-testid="booking-patient">
            {value.name}
          </Text>
          <Button variant="subtle" size="xs" onClick={() => onChange(null)}>
            {t.changePatient}
          </Button>
        </Group>
      </Stack>
    );
  return adding ? (
    <NewPatient
      onCancel={() => setAdding(false)}
      onCreated={(p) => {
        setAdding(false);
        onChange(p);
      }}
    />
  ) : (
    <Search onPick={onChange} onAdd={() => setAdding(true)} error={error} />
  );
}

function Search({ onPick, onAdd, error }: { onPick: (p: PickedPatient) => void; onAdd: () => void; error?: string }) {
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const [q] = useDebouncedValue(text.trim(), 200);
  const listId = useId();
  const results = useQuery({
    queryKey: ["search", q],
    enabled: q.length >= 2,
    staleTime: 10_000,
    queryFn: async () => must(await api.GET("/api/v1/search", { params: { query: { q, limit: 8 } } })).data,
  });
  const items = (results.data ?? []).filter((r) => r.kind === "contact" && r.id);
  const open = q.length >= 2;
  const pick = (i: number) => {
    const it = items[i];
    if (it?.id) onPick({ id: it.id, name: it.title ?? "" });
  };
  return (
    <Stack gap="xs">
      <TextInput
        label={t.findPatient}
        placeholder={t.findPlaceholder}
        value={text}
        data-autofocus
        error={error}
        role="combobox"
        aria-expanded={open}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={open && items[active] ? `${listId}-${active}` : undefined}
        rightSection={results.isFetching ? <Loader size="xs" /> : null}
        onChange={(e) => {
          setText(e.currentTarget.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") {
            e.preventDefault();
            setActive((a) => Math.min(a + 1, Math.max(items.length - 1, 0)));
          } else if (e.key === "ArrowUp") {
            e.preventDefault();
            setActive((a) => Math.max(a - 1, 0));
          } else if (e.key === "Enter" && open) {
            e.preventDefault();
            pick(active);
          }
        }}
      />
      {open && (
        <Paper withBorder id={listId} role="listbox" aria-label={t.findPatient} className={classes.results}>
          {items.length === 0 && (
            <Text size="sm" c="dimmed" p="xs" role="status">
              {results.isFetching ? t.searching : results.error ? problemMessage(results.error) : t.noMatch}
            </Text>
          )}
          {items.map((it, i) => (
            <UnstyledButton
              key={it.id}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              data-active={i === active || undefined}
              className={classes.option}
              tabIndex={-1}
              onMouseEnter={() => setActive(i)}
              onClick={() => pick(i)}
            >
              <Text size="sm" fw={500} truncate>
                {it.title}
              </Text>
              {it.subtitle && (
                <Text size="xs" c="dimmed" truncate>
                  {it.subtitle}
                </Text>
              )}
            </UnstyledButton>
          ))}
        </Paper>
      )}
      <Box>
        <Button variant="light" size="xs" onClick={onAdd}>
          {t.newPatient}
        </Button>
      </Box>
    </Stack>
  );
}

function NewPatient({ onCancel, onCreated }: { onCancel: () => void; onCreated: (p: PickedPatient) => void }) {
  const [form, setForm] = useState({ first_name: "", last_name: "", phone: "", email: "", dob: "" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [existing, setExisting] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) => {
    const v = e.currentTarget.value;
    setForm((f) => ({ ...f, [k]: v }));
  };

  async function create(allowDuplicate: boolean) {
    const errs: Record<string, string> = {};
    if (!form.first_name.trim() && !form.last_name.trim()) errs.last_name = t.nameRequired;
    let dob: string | null = null;
    if (form.dob.trim()) {
      const d = DateTime.fromFormat(form.dob.trim(), "d/M/yyyy");
      if (!d.isValid) errs.date_of_birth = t.dobInvalid;
      else dob = d.toISODate();
    }
    setErrors(errs);
    setMessage(null);
    if (Object.keys(errs).length) return;
    setBusy(true);
    try {
      const body = {
        type: "patient" as const,
        first_name: form.first_name.trim() || null,
        last_name: form.last_name.trim() || null,
        phone: form.phone.trim() || null,
        email: form.email.trim() || null,
        date_of_birth: dob,
      };
      const made = must(
        await api.POST("/api/v1/contacts", {
          params: { query: allowDuplicate ? { allow_duplicate: true } : {} },
          body,
        }),
      );
      onCreated({ id: made.id, name: contactName(made) });
    } catch (err) {
      const ids = err instanceof ProblemError ? err.problem.existing_ids : undefined;
      if (err instanceof ProblemError && err.status === 409 && Array.isArray(ids)) {
        setExisting(ids.filter((x): x is string => typeof x === "string"));
      } else {
        setErrors(fieldErrors(err));
        setMessage(problemMessage(err));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <Stack gap="xs">
      <Text size="sm" fw={600}>
        {t.newPatient}
      </Text>
      <Group grow wrap="wrap" gap="xs" className={classes.pair}>
        <TextInput label={t.firstName} value={form.first_name} onChange={set("first_name")} error={errors.first_name} data-autofocus />
        <TextInput label={t.lastName} value={form.last_name} onChange={set("last_name")} error={errors.last_name} />
      </Group>
      <Group grow wrap="wrap" gap="xs" className={classes.pair}>
        <TextInput label={t.phone} type="tel" value={form.phone} onChange={set("phone")} error={errors.phone} />
        <TextInput label={t.email} type="email" value={form.email} onChange={set("email")} error={errors.email} />
      </Group>
      <TextInput
        label={t.dateOfBirth}
        placeholder={t.dobPlaceholder}
        value={form.dob}
        onChange={set("dob")}
        error={errors.date_of_birth}
        className={classes.dob}
      />
      {message && Object.keys(errors).length === 0 && (
        <Alert color="red" role="alert">
          {message}
        </Alert>
      )}
      {existing.length > 0 && <Existing ids={existing} onUse={onCreated} onCreateAnyway={() => void create(true)} busy={busy} />}
      <Group gap="xs">
        <Button size="xs" onClick={() => void create(false)} loading={busy} disabled={existing.length > 0}>
          {t.addPatient}
        </Button>
        <Button size="xs" variant="subtle" onClick={onCancel}>
          {t.cancelNew}
        </Button>
      </Group>
    </Stack>
  );
}

function Existing({ ids, onUse, onCreateAnyway, busy }: {
  ids: string[];
  onUse: (p: PickedPatient) => void;
  onCreateAnyway: () => void;
  busy: boolean;
}) {
  const found = useQueries({
    queries: ids.slice(0, 5).map((id) => ({
      queryKey: ["contact", id],
      queryFn: async () => must(await api.GET("/api/v1/contacts/{id}", { params: { path: { id } } })),
    })),
  });
  return (
    <Alert color="yellow" role="alert" title={t.duplicate}>
      <Stack gap={6}>
        {found.map((f, i) =>
          f.data ? (
            <Group key={ids[i]} justify="space-between" wrap="nowrap">
              <Text size="sm" truncate>
                {[contactName(f.data), f.data.date_of_birth ? t.born(formatBirthDate(f.data.date_of_birth)) : "", f.data.phone ?? ""]
                  .filter(Boolean)
                  .join(" · ")}
              </Text>
              <Button size="xs" onClick={() => onUse({ id: f.data.id, name: contactName(f.data) })}>
                {t.useExisting}
              </Button>
            </Group>
          ) : (
            <Text key={ids[i]} size="sm" c="dimmed">
              {f.error ? problemMessage(f.error) : t.searching}
            </Text>
          ),
        )}
        <Button size="xs" variant="subtle" onClick={onCreateAnyway} loading={busy}>
          {t.createAnyway}
        </Button>
      </Stack>
    </Alert>
  );
}
