// AppointmentsPanel.tsx - the Clinic's section of the patient record: upcoming and past
// appointments (clinic time, practitioner, status), a few at a time, and "Book again".
import LoadFailed from "../../../lib/LoadFailed";
import { useState } from "react";
import { useNavigate } from "react-router";
import { useQuery } from "@tanstack/react-query";
import { Badge, Button, Group, Skeleton, Stack, Text, Title } from "@mantine/core";
import { api } from "../../../api/client";
import type { components } from "../../../api/schema";
import { useMe } from "../../../app/me";
import { formatDateTime } from "../../../lib/format";
import { must } from "../../../lib/problem";
import type { Contact } from "../../types";
import { t } from "./strings";
import classes from "./AppointmentsPanel.module.css";

type Appointment = components["schemas"]["Appointment"];

const PAGE = 5; // rows shown at first, and added by each "Show more"
const STATUS_COLOUR: Record<string, string> = {
  booked: "blue", arrived: "orange", "checked-in": "grape", fulfilled: "green", noshow: "red", cancelled: "gray",
};

/** Every appointment of the patient, split at now. The API lists them oldest first and has no
 * other order, so the past is read whole (pages of 200) to show the newest first. */
function usePatientAppointments(patientId: string) {
  return useQuery({
    queryKey: ["clinic", "patient-appointments", patientId],
    queryFn: async () => {
      const all: Appointment[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = must(
          await api.GET("/api/v1/appointments", { params: { query: { patient_id: patientId, limit: 200, cursor } } }),
        );
        all.push(...page.data);
        cursor = page.next_cursor ?? undefined;
      } while (cursor && ++pages < 25);
      const now = new Date().toISOString();
      const live = all.filter((a) => a.status !== "entered-in-error");
      return {
        upcoming: live.filter((a) => a.end_time > now).sort((a, b) => a.appointment_time.localeCompare(b.appointment_time)),
        past: live.filter((a) => a.end_time <= now).sort((a, b) => b.appointment_time.localeCompare(a.appointment_time)),
      };
    },
  });
}

function Rows({ title, rows, empty }: { title: string; rows: Appointment[]; empty: string }) {
  const [shown, setShown] = useState(PAGE);
  const headingId = `appointments-${title.toLowerCase()}`;
  return (
    <section aria-labelledby={headingId}>
      <Title order={3} size="h5" id={headingId} mb={4}>
        {title} {rows.length > 0 && <Text span c="dimmed" size="sm">({rows.length})</Text>}
      </Title>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {empty}
        </Text>
      ) : (
        <ul className={classes.list} aria-labelledby={headingId}>
          {rows.slice(0, shown).map((a) => (
            <li key={a.id} className={classes.row}>
              <Text size="sm" fw={500} className={classes.when}>
                {formatDateTime(a.appointment_time)}
              </Text>
              <div className={classes.what}>
                <Text size="sm">
                  {a.appointment_type || t.noType} · {t.minutes(a.duration_minutes)}
                </Text>
                <Text size="xs" c="dimmed">
                  {t.with(a.practitioner_name)}
                  {a.room ? ` · ${a.room}` : ""}
                </Text>
              </div>
              <Badge color={STATUS_COLOUR[a.status] ?? "gray"} c={`${STATUS_COLOUR[a.status] ?? "gray"}.9`} variant="light">
                {t.status[a.status] ?? a.status}
              </Badge>
            </li>
          ))}
        </ul>
      )}
      {rows.length > shown && (
        <Button variant="subtle" size="xs" mt={4} onClick={() => setShown((n) => n + PAGE * 2)} aria-label={t.showMoreOf(title)}>
          {t.showMore}
        </Button>
      )}
    </section>
  );
}

export default function AppointmentsPanel({ contact }: { contact: Contact }) {
  const viewer = useMe();
  const navigate = useNavigate();
  const q = usePatientAppointments(contact.id);
  const name = [contact.first_name, contact.last_name].filter(Boolean).join(" ");
  const any = !!q.data && q.data.upcoming.length + q.data.past.length > 0;

  return (
    <Stack gap="sm">
      {viewer.can("clinic.appointments.write") && (
        <Group justify="flex-end">
          <Button size="xs" onClick={() => navigate(`/diary?book=${encodeURIComponent(contact.id)}`)} aria-label={name ? t.bookFor(any ? t.bookAgain : t.book, name) : undefined}>
            {any ? t.bookAgain : t.book}
          </Button>
        </Group>
      )}
      {q.isLoading && (
        <Stack gap="xs" role="status" aria-label={t.loading}>
          <Skeleton h={18} />
          <Skeleton h={18} />
          <Skeleton h={18} />
        </Stack>
      )}
      {q.error && (
        <LoadFailed title={t.loadFailed} error={q.error} retry={t.retry} onRetry={() => void q.refetch()} />
      )}
      {q.data && (
        <>
          <Rows title={t.upcoming} rows={q.data.upcoming} empty={t.noUpcoming} />
          <Rows title={t.past} rows={q.data.past} empty={t.noPast} />
        </>
      )}
    </Stack>
  );
}
