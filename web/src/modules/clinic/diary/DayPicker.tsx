// DayPicker.tsx - the month calendar behind the diary's date field (loaded on first use).
import { DatePicker } from "@mantine/dates";
import { t } from "./strings";

export default function DayPicker({ day, onPick }: { day: string; onPick: (day: string) => void }) {
  return (
    <DatePicker
      value={day}
      defaultDate={day}
      onChange={(d) => d && onPick(d)}
      ariaLabels={t.pickerLabels}
      // clinics open at weekends; the library's red weekend digits also fall short of AA contrast
      weekendDays={[]}
    />
  );
}
