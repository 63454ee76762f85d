// BookingDialog.tsx - the booking dialog the diary, the free-slot finder and the patient record
// open: patient, date, time, practitioner, duration, type, room, notes (for who may write
// them); a clash names the appointment in the way, outside hours says why, and overbooking is
// offered only to roles holding clinic.overbook.
import { useEffect, useMemo, useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert, Autocomplete, Button, Checkbox, Group, Modal, NumberInput, Select, Stack, Text, TextInput, Textarea,
} from "@mantine/core";
import { DateInput } from "@mantine/dates";
import { notifications } from "@mantine/notifications";
import { DateTime } from "luxon";
import { api } from "../../../api/client";
import { useMe } from "../../../app/me";
import { ProblemError, fieldErrors, must, problemMessage } from "../../../lib/problem";
import { formatDateTime, formatTime, tenantZone } from "../../../lib/format";
import { getAppointment, type Appointment, type Practitioner } from "../diary/queries";
import PatientPicker, { contactName, type PickedPatient } from "./PatientPicker";
import { t } from "./strings";
import classes from "./Booking.module.css";
import { parseDay, parseTime, type BookingDraft } from "./draft";

interface Props {
  draft: BookingDraft | null; // open when set
  practitioners: Practitioner[];
  onClose: () => void;
  onBooked?: (a: Appointment) => void;
}

export default function BookingDialog({ draft, practitioners, onClose, onBooked }: Props) {
  return (
    <Modal
      opened={draft !== null}
      onClose={onClose}
      title={t.title}
      size="lg"
      lockScroll={false}
      closeButtonProps={{ "aria-label": t.close }}
      classNames={{ title: classes.title }}
    >
      {draft && <BookingForm draft={draft} practitioners={practitioners} onClose={onClose} onBooked={onBooked} />}
    </Modal>
  );
}

/** The fields this form shows an error beside. */
const SHOWN = ["patient_id", "appointment_time", "practitioner_id", "duration_minutes", "appointment_type", "room", "notes", "overbook_reason"];

interface Clash {
  id?: string;
  time?: string;
}

function BookingForm({ draft, practitioners, onClose, onBooked }: Required<Pick<Props, "practitioners" | "onClose">> & {
  draft: BookingDraft;
  onBooked?: (a: Appointment) => void;
}) {
  const viewer = useMe();
  const qc = useQueryClient();
  const mayOverbook = viewer.can("clinic.overbook");
  const mayNote = viewer.can("clinic.notes.write");
  const ownOnly = viewer.me.role === "practitioner";
  const [patient, setPatient] = useState<PickedPatient | null>(null);
  const [day, setDay] = useState<string | null>(draft.day);
  const [time, setTime] = useState(draft.time);
  const [practitionerId, setPractitionerId] = useState<string | null>(
    ownOnly ? viewer.me.id : draft.practitionerId ?? practitioners[0]?.id ?? null,
  );
  const [duration, setDuration] = useState<number | string>(draft.duration);
  const [type, setType] = useState("");
  const [room, setRoom] = useState("");
  const [notes, setNotes] = useState("");
  const [overbook, setOverbook] = useState(false);
  const [overbookReason, setOverbookReason] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [clash, setClash] = useState<Clash | null>(null);
  const [outside, setOutside] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // a patient named by the caller (the record's "book again"): read for the name
  const preset = useQuery({
    queryKey: ["contact", draft.patientId],
    enabled: !!draft.patientId,
    queryFn: async () => must(await api.GET("/api/v1/contacts/{id}", { params: { path: { id: draft.patientId! } } })),
  });
  useEffect(() => {
    if (preset.data) setPatient({ id: preset.data.id, name: contactName(preset.data) });
  }, [preset.data]);

  const conflicting = useQuery({
    queryKey: ["appointment", clash?.id],
    enabled: !!clash?.id,
    queryFn: () => getAppointment(clash!.id!),
  });

  const choices = useMemo(
    () =>
      (ownOnly ? practitioners.filter((p) => p.id === viewer.me.id) : practitioners).map((p) => ({
        value: p.id,
        label: p.full_name,
      })),
    [practitioners, ownOnly, viewer.me.id],
  );

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const errs: Record<string, string> = {};
    if (!patient) errs.patient_id = t.patientRequired;
    if (overbook && !overbookReason.trim()) errs.overbook_reason = t.overbookReasonRequired;
    const hhmm = parseTime(time);
    const start = day && hhmm ? DateTime.fromISO(`${day}T${hhmm}`, { zone: tenantZone() }) : null;
    if (!start?.isValid) errs.appointment_time = t.timeInvalid;
    setErrors(errs);
    setMessage(null);
    if (Object.keys(errs).length || !start || !patient) return;
    setBusy(true);
    try {
      const booked = must(
        await api.POST("/api/v1/appointments", {
          params: { header: { "Idempotency-Key": crypto.randomUUID() } },
          body: {
            patient_id: patient.id,
            practitioner_id: practitionerId ?? undefined,
            appointment_time: start.toISO()!,
            duration_minutes: Number(duration),
            appointment_type: type.trim() || null,
            room: room.trim() || null,
            ...(mayNote && notes.trim() ? { notes: notes.trim() } : {}),
            ...(overbook ? { overbook: true, overbook_reason: overbookReason.trim() } : {}),
          },
        }),
      );
      notifications.show({
        color: "green",
        message: t.booked(booked.patient_name ?? patient.name, formatDateTime(booked.appointment_time)),
      });
      await qc.invalidateQueries({ queryKey: ["appointments"] });
      onBooked?.(booked);
      onClose();
    } catch (err) {
      const fields = fieldErrors(err);
      setClash(null);
      setOutside(null);
      if (err instanceof ProblemError && err.status === 409) {
        const id = err.problem.conflicting_appointment_id;
        const when = err.problem.appointment_time;
        setClash({ id: typeof id === "string" ? id : undefined, time: typeof when === "string" ? when : undefined });
      } else if (err instanceof ProblemError && err.status === 422 && fields.appointment_time) {
        setOutside(fields.appointment_time);
        setErrors(fields);
      } else {
        setErrors(fields);
        // the detail too when no input of the form shows what went wrong
        if (!Object.keys(fields).some((f) => SHOWN.includes(f))) setMessage(problemMessage(err));
      }
    } finally {
      setBusy(false);
    }
  }

  const c = conflicting.data;
  const refused = clash !== null || outside !== null;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate>
      <Stack gap="sm">
        <PatientPicker value={patient} onChange={setPatient} error={errors.patient_id} />
        <Group grow wrap="wrap" gap="xs" className={classes.pair}>
          <DateInput
            label={t.date}
            placeholder={t.datePlaceholder}
            valueFormat="DD/MM/YYYY"
            dateParser={parseDay}
            value={day}
            onChange={setDay}
            required
            popoverProps={{ withinPortal: true }}
          />
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
        <Group grow wrap="wrap" gap="xs" className={classes.pair}>
          <Select
            label={t.practitioner}
            data={choices}
            value={practitionerId}
            onChange={setPractitionerId}
            allowDeselect={false}
            required
            error={errors.practitioner_id}
            comboboxProps={{ withinPortal: true }}
          />
          <NumberInput
            label={t.duration}
            value={duration}
            onChange={setDuration}
            min={5}
            max={720}
            step={5}
            required
            error={errors.duration_minutes}
          />
        </Group>
        <Group grow wrap="wrap" gap="xs" className={classes.pair}>
          <Autocomplete label={t.type} data={t.typeSuggestions} value={type} onChange={setType} error={errors.appointment_type} />
          <TextInput label={t.room} value={room} onChange={(e) => setRoom(e.currentTarget.value)} error={errors.room} />
        </Group>
        {mayNote && (
          <Textarea label={t.notes} value={notes} onChange={(e) => setNotes(e.currentTarget.value)} autosize minRows={2} error={errors.notes} />
        )}
        {clash && (
          <Alert color="red" role="alert" title={t.clash} data-testid="booking-clash">
            {c
              ? t.clashWith(c.patient_name ?? t.appointment, `${formatDateTime(c.appointment_time)}–${formatTime(c.end_time)}`, c.practitioner_name)
              : clash.time
                ? formatDateTime(DateTime.fromSQL(clash.time).toJSDate())
                : null}
            {!mayOverbook && <Text size="sm">{t.chooseAnother}</Text>}
          </Alert>
        )}
        {outside && (
          <Alert color="orange" role="alert" title={t.outsideHours} data-testid="booking-outside-hours">
            {outside}
            {!mayOverbook && <Text size="sm">{t.chooseAnother}</Text>}
          </Alert>
        )}
        {refused && mayOverbook && (
          <Stack gap="xs" className={classes.overbook}>
            <Checkbox label={t.overbook} checked={overbook} onChange={(e) => setOverbook(e.currentTarget.checked)} />
            {overbook && (
              <TextInput
                label={t.overbookReason}
                value={overbookReason}
                onChange={(e) => setOverbookReason(e.currentTarget.value)}
                required
                error={errors.overbook_reason}
              />
            )}
          </Stack>
        )}
        {message && (
          <Alert color="red" role="alert">
            {message}
          </Alert>
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose}>
            {t.cancel}
          </Button>
          <Button type="submit" loading={busy}>
            {t.book}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
