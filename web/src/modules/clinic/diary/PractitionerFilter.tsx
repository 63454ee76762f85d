// PractitionerFilter.tsx - which practitioners' columns the day view shows: a button that says
// how many, opening a checklist (with each practitioner's colour) and "all" / "only mine".
import { Button, Checkbox, Group, Popover, Stack } from "@mantine/core";
import type { Practitioner } from "./queries";
import { t } from "./strings";
import classes from "./Diary.module.css";

export default function PractitionerFilter({ all, picked, me, onChange }: {
  all: Practitioner[];
  picked: string[];
  me?: string; // the viewer, when a practitioner in this list
  onChange: (ids: string[]) => void;
}) {
  const summary = picked.length === all.length ? t.allPractitionersShort : t.someOf(picked.length, all.length);
  return (
    <Popover position="bottom-start" trapFocus returnFocus shadow="md">
      <Popover.Target>
        <Button variant="default" justify="space-between" fw={500} rightSection={<span aria-hidden="true">▾</span>} className={classes.filter}>
          <span className={classes.filterLabel}>
            {t.practitioners}: {summary}
          </span>
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs">
          <Group gap="xs">
            <Button size="compact-sm" variant="subtle" onClick={() => onChange(all.map((p) => p.id))}>
              {t.showAll}
            </Button>
            {me && (
              <Button size="compact-sm" variant="subtle" onClick={() => onChange([me])}>
                {t.onlyMine}
              </Button>
            )}
          </Group>
          <Checkbox.Group value={picked} onChange={onChange} label={t.practitioners}>
            <Stack gap={6} mt={4} className={classes.filterList}>
              {all.map((p) => (
                <Checkbox
                  key={p.id}
                  value={p.id}
                  label={
                    <span className={classes.resource}>
                      <span className={classes.swatch} style={{ background: p.colour }} aria-hidden="true" />
                      <span>{p.full_name}</span>
                    </span>
                  }
                />
              ))}
            </Stack>
          </Checkbox.Group>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
