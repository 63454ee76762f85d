// DateField.tsx - a calendar date typed or picked as dd/MM/yyyy whatever the browser's language
// (a native date input follows the browser's); the value stays yyyy-MM-dd as the API has it.
import { DateInput } from "@mantine/dates";
import { DateTime } from "luxon";
import { t } from "./strings";

function parse(text: string): string | null {
  for (const f of ["dd/MM/yyyy", "d/M/yyyy", "yyyy-MM-dd"]) {
    const d = DateTime.fromFormat(text.trim(), f);
    if (d.isValid) return d.toISODate();
  }
  return null;
}

export default function DateField({ label, name, value, error, required, onChange }: {
  label: string;
  name: string;
  value: string;
  error?: string;
  required?: boolean;
  onChange: (ymd: string) => void;
}) {
  return (
    <DateInput
      label={label}
      name={name}
      value={value || null}
      error={error}
      required={required}
      valueFormat="DD/MM/YYYY"
      placeholder="dd/mm/yyyy"
      dateParser={parse}
      clearable
      clearButtonProps={{ "aria-label": t.clearDate(label) }}
      popoverProps={{ withinPortal: true }}
      onChange={(v) => onChange(v ?? "")}
    />
  );
}
