// SlotFinder.tsx - the next free slots for a duration with one or more practitioners, from
// /api/v1/availability (working hours minus time off minus appointments); choosing one opens
// the booking dialog on it.
import { useState } from "react";
import { useQueries } from "@tanstack/react-query";
import { Alert, Checkbox, Drawer, Loader, NumberInput, Stack, Text, UnstyledButton } from "@mantine/core";
import { DateInput } from "@mantine/dates";
import { useDebouncedValue } from "@mantine/hooks";
import { DateTime } from "luxon";
import { api } from "../../../api/client";
import { must, problemMessage } from "../../../lib/problem";
import { tenantZone, inZone } from "../../../lib/format";
import { parseDay, type BookingDraft } from "../booking/draft";
import type { Practitioner } from "./queries";
import { t } from "./strings";
import classes from "./Diary.module.css";

const DAYS = 14;
const SHOWN = 12;

interface Props {
  opened: boolean;
  practitioners: Practitioner[];
  initial: { day: string; practitionerIds: string[] };
  onClose: () => void;
  onPick: (draft: BookingDraft) => void;
}

export default function SlotFinder({ opened, practitioners, initial, onClose, onPick }: Props) {
  return (
    <Drawer opened={opened} onClose={onClose} position="right" size="md" lockScroll={false} title={t.slotsTitle}
      closeButtonProps={{ "aria-label": t.close }}
      classNames={{ title: classes.drawerTitle }}>
      {opened && <Finder practitioners={practitioners} initial={initial} onPick={onPick} />}
    </Drawer>
  );
}

function Finder({ practitioners, initial, onPick }: Pick<Props, "practitioners" | "initial" | "onPick">) {
  const [ids, setIds] = useState<string[]>(initial.practitionerIds);
  const [durationText, setDuration] = useState<number | string>(30);
  const [day, setDay] = useState<string | null>(initial.day);
  const [duration] = useDebouncedValue(Number(durationText), 300);
  const valid = duration >= 5 && duration <= 720 && !!day;
  const now = DateTime.now().setZone(tenantZone());
  const dayStart = day ? DateTime.fromISO(day, { zone: tenantZone() }) : now;
  const from = (dayStart < now ? now.startOf("minute") : dayStart).toISO()!;
  const to = dayStart.plus({ days: DAYS }).toISO()!;
  const names = new Map(practitioners.map((p) => [p.id, p.full_name]));

  const results = useQueries({
    queries: ids.map((id) => ({
      queryKey: ["availability", id, from.slice(0, 16), to, duration],
      enabled: valid,
      staleTime: 15_000,
      queryFn: async () =>
        must(
          await api.GET("/api/v1/availability", {
            params: { query: { practitioner_id: id, from, to, duration_minutes: duration } },
          }),
        ).slots.map((s) => ({ ...s, practitionerId: id })),
    })),
  });
  const loading = results.some((r) => r.isLoading);
  const failed = results.find((r) => r.error)?.error;
  const slots = results
    .flatMap((r) => r.data ?? [])
    .filter((s) => s.start)
    .sort((a, b) => a.start!.localeCompare(b.start!) || a.practitionerId.localeCompare(b.practitionerId))
    .slice(0, SHOWN);

  return (
    <Stack gap="sm">
      <Checkbox.Group label={t.practitioners} value={ids} onChange={setIds}>
        <Stack gap={6} mt={6}>
          {practitioners.map((p) => (
            <Checkbox key={p.id} value={p.id} label={p.full_name} />
          ))}
        </Stack>
      </Checkbox.Group>
      <NumberInput label={t.slotsDuration} value={durationText} onChange={setDuration} min={5} max={720} step={5} />
      <DateInput label={t.slotsFrom} valueFormat="DD/MM/YYYY" dateParser={parseDay} value={day} onChange={setDay} />
      {failed ? (
        <Alert color="red" role="alert">
          {problemMessage(failed)}
        </Alert>
      ) : loading ? (
        <Loader size="sm" role="status" aria-label={t.slotsLoading} />
      ) : ids.length === 0 ? (
        <Text size="sm" c="dimmed">{t.nonePicked}</Text>
      ) : slots.length === 0 ? (
        <Text size="sm" c="dimmed" role="status">{t.slotsNone}</Text>
      ) : (
        <Stack gap={4} role="list" aria-label={t.slotsPick}>
          <Text size="sm" c="dimmed">{t.slotsPick}</Text>
          {slots.map((s) => {
            const at = inZone(s.start!);
            const who = names.get(s.practitionerId) ?? "";
            return (
              <div role="listitem" key={`${s.practitionerId}-${s.start}`}>
                <UnstyledButton
                  className={classes.slot}
                  onClick={() =>
                    onPick({ day: at.toISODate()!, time: at.toFormat("HH:mm"), practitionerId: s.practitionerId, duration })
                  }
                >
                  {t.slotLabel(at.toFormat("ccc dd/MM/yyyy HH:mm"), who)}
                </UnstyledButton>
              </div>
            );
          })}
        </Stack>
      )}
    </Stack>
  );
}
