// MyDayPage.tsx - the practitioner's day: today's appointments (clinic time) in order, each
// patient's last notes, arrive/complete actions and the clinical note editor.
import LoadFailed from "../../../lib/LoadFailed";
import { useId } from "react";
import { Link } from "react-router";
import { Alert, Anchor, Badge, Button, Paper, Skeleton, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMe } from "../../../app/me";
import { formatTime } from "../../../lib/format";
import { ProblemError, problemMessage } from "../../../lib/problem";
import {
  MYDAY_MOVES,
  clinicToday,
  useChangeAppointment,
  useToday,
  type Appointment,
} from "./appointments";
import LastNotes from "./LastNotes";
import NoteEditor from "./NoteEditor";
import { t } from "./strings";
import classes from "./MyDayPage.module.css";

const STATUS_COLOUR: Record<string, string> = {
  booked: "blue",
  arrived: "orange",
  "checked-in": "grape",
  fulfilled: "green",
  noshow: "red",
  cancelled: "gray",
};

function AppointmentCard({ a, dayStart }: { a: Appointment; dayStart: string }) {
  const viewer = useMe();
  const me = viewer.me.id;
  const change = useChangeAppointment(me);
  const notesId = useId();
  const who = a.patient_name || t.patientUnknown;
  const canWrite = viewer.can("clinic.appointments.write");
  const moves = canWrite ? MYDAY_MOVES.filter((m) => m.from.includes(a.status)) : [];
  const over = a.status === "fulfilled" || a.status === "cancelled" || a.status === "noshow";

  function move(to: Appointment["status"]) {
    change.mutate(
      { a, change: { status: to } },
      {
        onSuccess: (u) => notifications.show({ color: "green", message: `${who}: ${t.statusSaved(t.status[u.status] ?? u.status)}` }),
        onError: (err) =>
          notifications.show({
            color: "red",
            title: who,
            message: err instanceof ProblemError && err.status === 412 ? t.changedElsewhere : problemMessage(err),
          }),
      },
    );
  }

  return (
    <Paper component="li" withBorder p="md" radius="md" className={over ? classes.done : undefined} aria-label={`${formatTime(a.appointment_time)} ${who}`}>
      <div className={classes.head}>
        <div className={classes.time}>
          <Text fw={700}>{t.time(formatTime(a.appointment_time), formatTime(a.end_time))}</Text>
          <Text size="xs" c="dimmed">
            {t.minutes(a.duration_minutes)}
          </Text>
        </div>
        <div className={classes.who}>
          {a.patient_id ? (
            <Anchor component={Link} to={`/contacts/${a.patient_id}`} fw={600} className={classes.name}>
              {who}
            </Anchor>
          ) : (
            <Text fw={600}>{t.patientUnknown}</Text>
          )}
          <Text size="sm" c="dimmed">
            {[a.appointment_type || t.noType, a.room ? t.room(a.room) : ""].filter(Boolean).join(" · ")}
          </Text>
        </div>
        <div className={classes.actions}>
          <Badge color={STATUS_COLOUR[a.status] ?? "gray"} c={`${STATUS_COLOUR[a.status] ?? "gray"}.9`} variant="light">
            {t.status[a.status] ?? a.status}
          </Badge>
          {moves.map((m) => (
            <Button
              key={m.to}
              size="xs"
              variant={m.action === "arrive" ? "light" : "filled"}
              onClick={() => move(m.to)}
              loading={change.isPending && change.variables?.change.status === m.to}
              aria-label={m.action === "arrive" ? t.arriveLabel(who) : t.completeLabel(who)}
            >
              {m.action === "arrive" ? t.arrive : t.complete}
            </Button>
          ))}
        </div>
      </div>
      <div className={classes.body}>
        <LastNotes
          patientId={a.patient_id}
          before={dayStart}
          withActivities={viewer.can("activities.read")}
          headingId={notesId}
        />
        {viewer.can("clinic.notes.write") ? (
          <NoteEditor a={a} patient={who} practitionerId={me} />
        ) : (
          "notes" in a && (
            <div>
              <Text size="sm" fw={600} mb={4}>
                {t.clinicalNotes}
              </Text>
              <Text size="sm" className={classes.noteText}>
                {a.notes || "—"}
              </Text>
            </div>
          )
        )}
      </div>
    </Paper>
  );
}

export default function MyDayPage() {
  const viewer = useMe();
  const today = clinicToday();
  const q = useToday(viewer.me.id);
  const heading = (
    <div>
      <Title order={1} size="h2">
        {t.title}
      </Title>
      <Text c="dimmed">{t.today(today.start.setLocale("en-GB").toFormat("cccc d MMMM yyyy"))}</Text>
    </div>
  );

  if (!viewer.me.is_practitioner)
    return (
      <Stack>
        {heading}
        <Alert color="blue">{t.notPractitioner}</Alert>
      </Stack>
    );

  return (
    <Stack>
      {heading}
      {q.isLoading && (
        <Stack gap="sm" role="status" aria-label={t.loading} maw="72rem">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} h={120} radius="md" />
          ))}
        </Stack>
      )}
      {q.error && (
        <LoadFailed title={t.loadFailed} error={q.error} retry={t.retry} onRetry={() => void q.refetch()} />
      )}
      {q.data && q.data.length === 0 && (
        <Paper withBorder p="xl" radius="md" maw="72rem">
          <Text fw={600}>{t.empty}</Text>
          <Text c="dimmed" size="sm">
            {t.emptyHint}
          </Text>
        </Paper>
      )}
      {q.data && q.data.length > 0 && (
        <ul className={classes.list} aria-label={t.list}>
          {q.data.map((a) => (
            <AppointmentCard key={a.id} a={a} dayStart={today.from} />
          ))}
        </ul>
      )}
    </Stack>
  );
}
