// AppointmentDrawer.tsx - one appointment's detail beside the diary: its facts, the status
// moves the life cycle allows (cancel with a reason), and "Move" with date, time and
// practitioner fields, so that rescheduling needs no mouse.
import { useEffect, useState } from "react";
import { Link } from "react-router";
import { useQueryClient } from "@tanstack/react-query";
import {
  Alert, Badge, Button, Checkbox, Divider, Drawer, Group, NumberInput, Select, Stack, Text, TextInput, Textarea,
} from "@mantine/core";
import { DateInput } from "@mantine/dates";
import { notifications } from "@mantine/notifications";
import { DateTime } from "luxon";
import { useMe } from "../../../app/me";
import { ProblemError, fieldErrors } from "../../../lib/problem";
import { tenantZone, formatDateTime, formatTime, inZone } from "../../../lib/format";
import { parseDay, parseTime } from "../booking/draft";
import { patchAppointment, type Appointment, type AppointmentInput, type Practitioner } from "./queries";
import { nextStatuses, ACTIVE, type Status } from "./status";
import { t } from "./strings";
import classes from "./Diary.module.css";

export interface MoveInit {
  day: string;
  time: string;
  practitionerId: string;
  duration: number;
  refusal?: string; // why the drag was refused, shown above the form
}

interface Props {
  appointment: Appointment | null;
  practitioners: Practitioner[];
  moveInit: MoveInit | null;
  mayChange: (a: Appointment) => boolean;
  onClose: () => void;
  onRefused: (a: Appointment, err: unknown) => Promise<string>;
}

export default function AppointmentDrawer({ appointment, practitioners, moveInit, mayChange, onClose, onRefused }: Props) {
  return (
    <Drawer
      opened={appointment !== null}
      onClose={onClose}
      position="right"
      size="md"
      lockScroll={false}
      closeButtonProps={{ "aria-label": t.close }}
      title={t.detailTitle}
      classNames={{ title: classes.drawerTitle }}
    >
      {appointment && (
        <Detail
          key={appointment.id}
          a={appointment}
          practitioners={practitioners}
          moveInit={moveInit}
          writable={mayChange(appointment)}
          onClose={onClose}
          onRefused={onRefused}
        />
      )}
    </Drawer>
  );
}

function Detail({ a, practitioners, moveInit, writable, onClose, onRefused }: {
  a: Appointment;
  practitioners: Practitioner[];
  moveInit: MoveInit | null;
  writable: boolean;
  onClose: () => void;
  onRefused: Props["onRefused"];
}) {
  const viewer = useMe();
  const qc = useQueryClient();
  const [busy, setBusy] = useState<Status | "move" | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const [cancelReason, setCancelReason] = useState("");
  const [cancelError, setCancelError] = useState<string | null>(null);
  const [moving, setMoving] = useState(moveInit !== null);
  const start = inZone(a.appointment_time);
  const next = nextStatuses(a.status).filter((s) => s !== "cancelled");
  const mayCancel = nextStatuses(a.status).includes("cancelled");

  async function change(body: AppointmentInput, what: Status) {
    setBusy(what);
    try {
      const done = await patchAppointment(qc, a, body);
      notifications.show({ color: "green", message: t.statusChanged(t.status[done.status]) });
      void qc.invalidateQueries({ queryKey: ["appointments"] });
      if (what === "cancelled") onClose();
    } catch (err) {
      const why = await onRefused(a, err);
      if (what === "cancelled") setCancelError(why);
    } finally {
      setBusy(null);
    }
  }

  return (
    <Stack gap="sm">
      <Group justify="space-between" wrap="nowrap">
        <Text fw={700} size="lg" data-testid="appointment-patient">
          {a.patient_name ?? t.appointment}
        </Text>
        <Badge className={`${classes.badge} ${classes[`s-${a.status}`] ?? ""}`} data-testid="appointment-status">
          {t.status[a.status]}
        </Badge>
      </Group>
      <dl className={classes.facts}>
        <dt>{t.when}</dt>
        <dd data-testid="appointment-when">
          {start.toFormat("cccc dd/MM/yyyy")} {formatTime(a.appointment_time)}–{formatTime(a.end_time)}
        </dd>
        <dt>{t.practitioner}</dt>
        <dd>{a.practitioner_name}</dd>
        <dt>{t.duration}</dt>
        <dd>{t.minutes(a.duration_minutes)}</dd>
        {a.appointment_type && (
          <>
            <dt>{t.type}</dt>
            <dd>{a.appointment_type}</dd>
          </>
        )}
        {a.room && (
          <>
            <dt>{t.room}</dt>
            <dd>{a.room}</dd>
          </>
        )}
        {a.reason && (
          <>
            <dt>{t.reason}</dt>
            <dd>{a.reason}</dd>
          </>
        )}
        {a.cancel_reason && (
          <>
            <dt>{t.cancelReason}</dt>
            <dd data-testid="appointment-cancel-reason">{a.cancel_reason}</dd>
          </>
        )}
        {a.notes && (
          <>
            <dt>{t.notes}</dt>
            <dd className={classes.notes}>{a.notes}</dd>
          </>
        )}
      </dl>
      {a.patient_id && (
        <Button component={Link} to={`/contacts/${a.patient_id}`} variant="subtle" size="xs" className={classes.link}>
          {t.openRecord}
        </Button>
      )}
      {!viewer.can("clinic.appointments.write") ? null : !writable ? (
        <Text size="sm" c="dimmed">
          {t.notYours}
        </Text>
      ) : (
        <>
          <Divider />
          {(next.length > 0 || mayCancel) && (
            <Stack gap="xs" role="group" aria-label={t.statusActions}>
              <Text size="sm" fw={600}>
                {t.statusActions}
              </Text>
              <Group gap="xs">
                {next.map((s) => (
                  <Button key={s} size="xs" variant="light" loading={busy === s} onClick={() => void change({ status: s }, s)}>
                    {t.action[s] ?? t.status[s]}
                  </Button>
                ))}
                {mayCancel && !cancelling && (
                  <Button size="xs" variant="default" className={classes.danger} onClick={() => setCancelling(true)}>
                    {t.action.cancelled}
                  </Button>
                )}
              </Group>
              {cancelling && (
                <Stack gap="xs" className={classes.cancelBox}>
                  <Textarea
                    label={t.cancelReason}
                    value={cancelReason}
                    onChange={(e) => setCancelReason(e.currentTarget.value)}
                    required
                    autosize
                    minRows={2}
                    error={cancelError}
                    data-autofocus
                  />
                  <Group gap="xs">
                    <Button
                      size="xs"
                      color="red"
                      loading={busy === "cancelled"}
                      onClick={() => {
                        if (!cancelReason.trim()) return setCancelError(t.cancelReasonRequired);
                        setCancelError(null);
                        void change({ status: "cancelled", cancel_reason: cancelReason.trim() }, "cancelled");
                      }}
                    >
                      {t.confirmCancel}
                    </Button>
                    <Button size="xs" variant="subtle" onClick={() => setCancelling(false)}>
                      {t.keep}
                    </Button>
                  </Group>
                </Stack>
              )}
            </Stack>
          )}
          {ACTIVE.includes(a.status) &&
            (moving ? (
              <MoveForm a={a} practitioners={practitioners} init={moveInit} onDone={() => setMoving(false)} onRefused={onRefused} />
            ) : (
              <Group>
                <Button size="xs" variant="default" onClick={() => setMoving(true)}>
                  {t.move}
                </Button>
              </Group>
            ))}
        </>
      )}
    </Stack>
  );
}

function MoveForm({ a, practitioners, init, onDone, onRefused }: {
  a: Appointment;
  practitioners: Practitioner[];
  init: MoveInit | null;
  onDone: () => void;
  onRefused: Props["onRefused"];
}) {
  const viewer = useMe();
  const qc = useQueryClient();
  const start = inZone(a.appointment_time);
  const [day, setDay] = useState<string | null>(init?.day ?? start.toISODate());
  const [time, setTime] = useState(init?.time ?? start.toFormat("HH:mm"));
  const [pid, setPid] = useState<string | null>(init?.practitionerId ?? a.practitioner_id);
  const [duration, setDuration] = useState<number | string>(init?.duration ?? a.duration_minutes);
  const [refusal, setRefusal] = useState<string | null>(init?.refusal ?? null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [overbook, setOverbook] = useState(false);
  const [overbookReason, setOverbookReason] = useState("");
  const [busy, setBusy] = useState(false);
  const mayOverbook = viewer.can("clinic.overbook");
  const ownOnly = viewer.me.role === "practitioner";
  useEffect(() => setRefusal(init?.refusal ?? null), [init]);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    const hhmm = parseTime(time);
    const when = day && hhmm ? DateTime.fromISO(`${day}T${hhmm}`, { zone: tenantZone() }) : null;
    if (!when?.isValid) return setErrors({ appointment_time: t.timeInvalid });
    if (overbook && !overbookReason.trim()) return setErrors({ overbook_reason: t.overbookReasonRequired });
    setBusy(true);
    setErrors({});
    try {
      const body: AppointmentInput = { appointment_time: when.toISO()!, duration_minutes: Number(duration) };
      if (pid && pid !== a.practitioner_id) body.practitioner_id = pid;
      if (overbook) Object.assign(body, { overbook: true, overbook_reason: overbookReason.trim() });
      const done = await patchAppointment(qc, a, body);
      notifications.show({ color: "green", message: t.moved(`${formatDateTime(done.appointment_time)}, ${done.practitioner_name}`) });
      void qc.invalidateQueries({ queryKey: ["appointments"] });
      setRefusal(null);
      onDone();
    } catch (err) {
      setErrors(fieldErrors(err));
      setRefusal(err instanceof ProblemError && err.status === 412 ? null : await onRefused(a, err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(e) => void save(e)} noValidate aria-label={t.moveTitle}>
      <Stack gap="xs" className={classes.moveBox}>
        <Text size="sm" fw={600}>
          {t.moveTitle}
        </Text>
        {refusal && (
          <Alert color="orange" role="alert" data-testid="move-refusal">
            {refusal}
          </Alert>
        )}
        <Group grow gap="xs" wrap="wrap">
          <DateInput label={t.date} valueFormat="DD/MM/YYYY" dateParser={parseDay} value={day} onChange={setDay} required />
          <TextInput
            label={t.time}
            placeholder={t.timePlaceholder}
            inputMode="numeric"
            value={time}
            onChange={(e) => setTime(e.currentTarget.value)}
            required
            error={errors.appointment_time}
          />
        </Group>
        <Group grow gap="xs" wrap="wrap">
          <Select
            label={t.practitioner}
            data={practitioners.filter((p) => !ownOnly || p.id === a.practitioner_id).map((p) => ({ value: p.id, label: p.full_name }))}
            value={pid}
            onChange={setPid}
            allowDeselect={false}
            error={errors.practitioner_id}
          />
          <NumberInput label={t.duration} value={duration} onChange={setDuration} min={5} max={720} step={5} error={errors.duration_minutes} />
        </Group>
        {refusal && mayOverbook && (
          <Checkbox label={t.overbookLabel} checked={overbook} onChange={(e) => setOverbook(e.currentTarget.checked)} />
        )}
        {overbook && (
          <TextInput label={t.overbookReason} value={overbookReason} onChange={(e) => setOverbookReason(e.currentTarget.value)} required error={errors.overbook_reason} />
        )}
        <Group gap="xs">
          <Button type="submit" size="xs" loading={busy}>
            {t.moveSave}
          </Button>
          <Button size="xs" variant="subtle" onClick={onDone}>
            {t.dontMove}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
