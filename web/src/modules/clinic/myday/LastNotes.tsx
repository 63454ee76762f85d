// LastNotes.tsx - a patient's last notes before today: clinical notes of past appointments (as
// far as the API shows them to this role) and notes written on the contact.
import { Loader, Stack, Text } from "@mantine/core";
import { formatDate } from "../../../lib/format";
import { problemMessage } from "../../../lib/problem";
import { useLastNotes } from "./appointments";
import { t } from "./strings";
import classes from "./MyDayPage.module.css";

export default function LastNotes({ patientId, before, withActivities, headingId }: {
  patientId: string | undefined;
  before: string;
  withActivities: boolean;
  headingId: string;
}) {
  const q = useLastNotes(patientId, before, withActivities);
  return (
    <section aria-labelledby={headingId}>
      <Text id={headingId} size="sm" fw={600} mb={4}>
        {t.lastNotes}
      </Text>
      {q.isLoading && <Loader size="xs" role="status" aria-label={t.notesLoading} />}
      {q.error && (
        <Text size="sm" c="red.9" role="alert">
          {t.notesFailed} {problemMessage(q.error)}
        </Text>
      )}
      {q.data && q.data.length === 0 && (
        <Text size="sm" c="dimmed">
          {t.noNotes}
        </Text>
      )}
      {q.data && q.data.length > 0 && (
        <Stack gap="xs" component="ul" m={0} p={0} style={{ listStyle: "none" }}>
          {q.data.map((n) => (
            <li key={n.key}>
              <Text size="xs" c="dimmed">
                {n.kind === "appointment" ? t.fromAppointment(formatDate(n.at), n.by) : t.fromNote(formatDate(n.at), n.by)}
              </Text>
              <Text size="sm" lineClamp={4} className={classes.noteText}>
                {n.text}
              </Text>
            </li>
          ))}
        </Stack>
      )}
    </section>
  );
}
