// Section.tsx - one titled section of the contact record (a landmark with its heading).
import { useId, type ReactNode } from "react";
import { Group, Paper, Title } from "@mantine/core";

export default function Section({ title, action, children, testId }: {
  title: string;
  action?: ReactNode;
  children: ReactNode;
  testId?: string;
}) {
  const id = useId();
  return (
    <Paper component="section" withBorder p="md" radius="md" aria-labelledby={id} data-testid={testId}>
      <Group justify="space-between" mb="sm" wrap="nowrap" gap="xs">
        <Title order={2} size="h4" id={id}>
          {title}
        </Title>
        {action}
      </Group>
      {children}
    </Paper>
  );
}
