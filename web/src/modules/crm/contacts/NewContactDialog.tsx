// NewContactDialog.tsx - "New contact": the ContactInput fields in a dialog; the API's duplicate
// answer (409 with existing_ids) offers to open the existing record or create anyway.
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Group, Modal, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { api } from "../../../api/client";
import { ProblemError, fieldErrors, must, problemMessage } from "../../../lib/problem";
import ContactForm, { emptyValues, formClaims, toInput, validate, type FormValues } from "./ContactForm";
import { displayName, etagOf, keys, type CustomField, type User } from "./data";
import { t } from "./strings";

interface Props {
  opened: boolean;
  onClose: () => void;
  types: string[];
  fields: CustomField[];
  users?: User[];
}

export default function NewContactDialog({ opened, onClose, types, fields, users }: Props) {
  const [values, setValues] = useState<FormValues>(() => emptyValues(types[types.length - 1] ?? "lead"));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();
  const [existing, setExisting] = useState<string[]>([]);
  const navigate = useNavigate();
  const qc = useQueryClient();

  const create = useMutation({
    mutationFn: async (allowDuplicate: boolean) => {
      const r = await api.POST("/api/v1/contacts", {
        params: { query: allowDuplicate ? { allow_duplicate: true } : {} },
        body: toInput(values, fields),
      });
      const contact = must(r);
      return { contact, etag: etagOf(r.response, contact) };
    },
    onSuccess: (made) => {
      qc.setQueryData(keys.contact(made.contact.id), made);
      void qc.invalidateQueries({ queryKey: keys.lists });
      notifications.show({ color: "green", message: t.created_(displayName(made.contact)) });
      reset();
      navigate(`/contacts/${made.contact.id}`);
    },
    onError: (err) => {
      const byField = fieldErrors(err);
      setErrors(byField);
      if (err instanceof ProblemError && err.status === 409 && Array.isArray(err.problem.existing_ids)) {
        setExisting(err.problem.existing_ids as string[]);
        setProblem(undefined);
      } else {
        const claimed = Object.keys(byField).every((f) => formClaims(f, fields, !!users));
        setProblem(Object.keys(byField).length && claimed ? t.formInvalid : problemMessage(err));
      }
    },
  });

  function reset() {
    setValues(emptyValues(types[types.length - 1] ?? "lead"));
    setErrors({});
    setProblem(undefined);
    setExisting([]);
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    const local = validate(values, fields);
    setErrors(local);
    setExisting([]);
    setProblem(undefined);
    if (Object.keys(local).length === 0) create.mutate(false);
  }

  return (
    <Modal
      lockScroll={false}
      opened={opened}
      onClose={() => {
        reset();
        onClose();
      }}
      title={t.newContact}
      size="lg"
      closeButtonProps={{ "aria-label": t.close }}
    >
      <form onSubmit={submit} noValidate aria-label={t.newContact}>
        <Stack>
          {problem && (
            <Alert color="red" role="alert">
              {problem}
            </Alert>
          )}
          {existing.length > 0 && (
            <Alert color="yellow" title={t.duplicateTitle} role="alert">
              <Stack gap="xs">
                <Text size="sm">{t.duplicateText}</Text>
                <Group gap="xs">
                  {existing.map((id, i) => (
                    <Button key={id} size="xs" variant="light" onClick={() => { reset(); onClose(); navigate(`/contacts/${id}`); }}>
                      {existing.length > 1 ? t.openExistingN(i + 1) : t.openExisting}
                    </Button>
                  ))}
                  <Button size="xs" variant="default" onClick={() => create.mutate(true)} loading={create.isPending}>
                    {t.createAnyway}
                  </Button>
                </Group>
              </Stack>
            </Alert>
          )}
          <ContactForm value={values} onChange={setValues} errors={errors} fields={fields} types={types} users={users} />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => { reset(); onClose(); }}>
              {t.cancel}
            </Button>
            <Button type="submit" loading={create.isPending}>
              {t.create}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
