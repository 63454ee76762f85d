// DayField.tsx - the diary's date: typed as day/month/year (Enter or leaving the field moves the
// diary), or picked from a month calendar whose code loads only when it is first opened, so
// that the diary itself is usable sooner.
import { Suspense, lazy, useEffect, useState } from "react";
import { ActionIcon, Loader, Popover, TextInput } from "@mantine/core";
import { DateTime } from "luxon";
import { parseDay } from "../booking/draft";
import { t } from "./strings";

const loadPicker = () => import("./DayPicker");
const DayPicker = lazy(loadPicker);

function shown(day: string) {
  return DateTime.fromISO(day).toFormat("dd/MM/yyyy");
}

export default function DayField({ day, onChange, className }: {
  day: string; // yyyy-mm-dd
  onChange: (day: string) => void;
  className?: string;
}) {
  const [text, setText] = useState(shown(day));
  const [invalid, setInvalid] = useState(false);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    setText(shown(day));
    setInvalid(false);
  }, [day]);

  const commit = () => {
    const parsed = parseDay(text);
    if (parsed === null) {
      setInvalid(text.trim() !== "");
      if (text.trim() === "") setText(shown(day));
      return;
    }
    setInvalid(false);
    if (parsed !== day) onChange(parsed);
    else setText(shown(day));
  };

  return (
    <TextInput
      aria-label={t.date}
      className={className}
      value={text}
      error={invalid ? t.dateInvalid : undefined}
      onChange={(e) => setText(e.currentTarget.value)}
      onBlur={commit}
      onKeyDown={(e) => {
        if (e.key === "Enter") commit();
        if (e.key === "Escape") setText(shown(day));
      }}
      rightSectionPointerEvents="all"
      rightSection={
        <Popover opened={open} onChange={setOpen} position="bottom-end" trapFocus returnFocus>
          <Popover.Target>
            <ActionIcon
              variant="subtle"
              color="gray"
              aria-label={t.pickDate}
              onClick={() => setOpen((o) => !o)}
              // fetch the calendar's code as soon as it is likely to be wanted
              onPointerEnter={() => void loadPicker()}
              onFocus={() => void loadPicker()}
            >
              <CalendarIcon />
            </ActionIcon>
          </Popover.Target>
          <Popover.Dropdown>
            <Suspense fallback={<Loader size="sm" aria-label={t.loadingCalendar} />}>
              <DayPicker
                day={day}
                onPick={(d) => {
                  setOpen(false);
                  onChange(d);
                }}
              />
            </Suspense>
          </Popover.Dropdown>
        </Popover>
      }
    />
  );
}

function CalendarIcon() {
  return (
    <svg width="16" height="16" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2"
      strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <rect x="3" y="4" width="18" height="18" rx="2" />
      <path d="M16 2v4M8 2v4M3 10h18" />
    </svg>
  );
}
