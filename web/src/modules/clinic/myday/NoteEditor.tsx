// NoteEditor.tsx - the clinical notes of one appointment: edited in place and saved with
// If-Match; a change by someone else meanwhile (412) reloads the appointment and says so.
import { useEffect, useState } from "react";
import { Button, Group, Text, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { ProblemError, fieldErrors, problemMessage } from "../../../lib/problem";
import { useChangeAppointment, type Appointment } from "./appointments";
import { t } from "./strings";

export default function NoteEditor({ a, patient, practitionerId }: { a: Appointment; patient: string; practitionerId: string }) {
  const saved = a.notes ?? "";
  const [text, setText] = useState(saved);
  const [error, setError] = useState<string | undefined>();
  const change = useChangeAppointment(practitionerId);

  // a newer version read from the server replaces the text unless the user is editing it
  const [base, setBase] = useState(saved);
  useEffect(() => {
    if (saved !== base) {
      if (text === base) setText(saved);
      setBase(saved);
    }
  }, [saved, base, text]);

  const dirty = text !== saved;
  function save() {
    setError(undefined);
    change.mutate(
      { a, change: { notes: text } },
      {
        onSuccess: () => notifications.show({ color: "green", message: t.notesSaved }),
        onError: (err) => {
          if (err instanceof ProblemError && err.status === 412) setError(t.changedElsewhere);
          else setError(fieldErrors(err).notes ?? problemMessage(err));
        },
      },
    );
  }

  return (
    <div>
      <Textarea
        label={t.clinicalNotes}
        aria-label={t.clinicalNotesFor(patient)}
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        autosize
        minRows={3}
        maxRows={12}
        maxLength={20000}
        error={error}
      />
      <Group justify="flex-end" mt="xs" gap="sm">
        {dirty && (
          <Text size="xs" c="dimmed">
            {t.unsaved}
          </Text>
        )}
        <Button size="xs" onClick={save} disabled={!dirty} loading={change.isPending}>
          {t.saveNotes}
        </Button>
      </Group>
    </div>
  );
}
